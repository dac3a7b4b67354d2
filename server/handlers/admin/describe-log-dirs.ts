/**
 * DescribeLogDirs: each data directory (log.dirs) with the partitions it holds and their sizes on
 * disk. Behaviours that matter:
 * - a null topic list means every partition; listed partitions this broker lacks are left out;
 * - offsetLag is 0 and isFutureKey false: there are no replicas to catch up and no moves between
 *   directories;
 * - v4 adds each directory's filesystem size and free space (fs.statfsSync); -1 when unknown.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { PartitionLog } from '../../../engine/index.js';
import type { BrokerContext } from '../../broker-context.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { DescribeLogDirsApi } from '../../protocol/apis/describe-log-dirs.js';
import type { RequestOf, ResponseOf } from '../../protocol/message-types.js';
import { reply, type Handler } from '../registry.js';

type DescribableTopic = NonNullable<RequestOf<typeof DescribeLogDirsApi>['topics']>[number];
type DescribedTopic = ResponseOf<typeof DescribeLogDirsApi>['results'][number]['topics'][number];

export function describeLogDirsHandler(broker: BrokerContext): Handler<typeof DescribeLogDirsApi> {
  return {
    api: DescribeLogDirsApi,
    handle(request) {
      const requested = request.topics;
      const wanted = requested === null ? null : wantedSet(requested);
      const byDir = new Map<string, PartitionLog[]>();
      for (const log of broker.logs.allLogs()) {
        if (wanted !== null && !wanted.has(`${log.topic}\u0000${log.partition}`)) continue;
        const dir = path.resolve(path.dirname(log.dir));
        byDir.set(dir, [...(byDir.get(dir) ?? []), log]);
      }
      const results = broker.logs.dirs.map((dir) => {
        const absolute = path.resolve(dir);
        const space = diskSpace(absolute);
        return {
          errorCode: ErrorCode.NONE,
          logDir: absolute,
          topics: describeTopics(byDir.get(absolute) ?? []),
          totalBytes: space.total,
          usableBytes: space.usable,
        };
      });
      return reply(DescribeLogDirsApi, { throttleTimeMs: 0, errorCode: ErrorCode.NONE, results });
    },
  };
}

function wantedSet(topics: DescribableTopic[]): Set<string> {
  const out = new Set<string>();
  for (const { topic, partitions } of topics) for (const p of partitions) out.add(`${topic}\u0000${p}`);
  return out;
}

function describeTopics(logs: PartitionLog[]): DescribedTopic[] {
  const topics = new Map<string, DescribedTopic['partitions']>();
  const sorted = [...logs].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  for (const log of sorted) {
    const partitions = topics.get(log.topic) ?? [];
    partitions.push({
      partitionIndex: log.partition,
      partitionSize: log.size,
      offsetLag: 0,
      isFutureKey: false,
    });
    topics.set(log.topic, partitions);
  }
  return [...topics].map(([name, partitions]) => ({ name, partitions }));
}

function diskSpace(dir: string): { total: number; usable: number } {
  try {
    const stats = fs.statfsSync(dir);
    return { total: stats.blocks * stats.bsize, usable: stats.bavail * stats.bsize };
  } catch {
    return { total: -1, usable: -1 };
  }
}
