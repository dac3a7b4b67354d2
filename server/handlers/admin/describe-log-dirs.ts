/**
 * DescribeLogDirs: each data directory (log.dirs) with the partitions it holds and their sizes on
 * disk. Behaviours that matter:
 * - a null topic list means every partition; listed partitions this broker lacks are left out;
 * - a replica being moved to another directory (AlterReplicaLogDirs) is listed twice: where it is,
 *   and as its copy (isFutureKey) in the directory it goes to, with the copy's size and offsetLag
 *   the offsets the copy still lacks; a replica's own offsetLag is 0, as Kafka's (its high
 *   watermark never passes its log end);
 * - v4 adds each directory's filesystem size and free space (fs.statfsSync); -1 when unknown.
 */
import fs from 'node:fs';
import path from 'node:path';
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
      const byDir = new Map<string, Replica[]>();
      const add = (dir: string, replica: Replica): void => {
        if (wanted !== null && !wanted.has(`${replica.topic}\u0000${replica.partition}`)) return;
        const key = path.resolve(dir);
        byDir.set(key, [...(byDir.get(key) ?? []), replica]);
      };
      for (const log of broker.logs.allLogs())
        add(path.dirname(log.dir), {
          topic: log.topic,
          partition: log.partition,
          size: log.size,
          lag: 0,
          future: false,
        });
      for (const copy of broker.logs.futureLogs()) {
        const log = broker.logs.getLog(copy.topic, copy.partition);
        if (!log) continue;
        const lag = Math.max(0, log.logEndOffset - copy.logEndOffset);
        add(copy.dir, { topic: copy.topic, partition: copy.partition, size: copy.size, lag, future: true });
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

/** A partition replica in a directory: the log itself, or the copy a move is making. */
interface Replica {
  topic: string;
  partition: number;
  size: number;
  lag: number;
  future: boolean;
}

function describeTopics(replicas: Replica[]): DescribedTopic[] {
  const topics = new Map<string, DescribedTopic['partitions']>();
  const sorted = [...replicas].sort(
    (a, b) =>
      a.topic.localeCompare(b.topic) || a.partition - b.partition || Number(a.future) - Number(b.future),
  );
  for (const replica of sorted) {
    const partitions = topics.get(replica.topic) ?? [];
    partitions.push({
      partitionIndex: replica.partition,
      partitionSize: replica.size,
      offsetLag: replica.lag,
      isFutureKey: replica.future,
    });
    topics.set(replica.topic, partitions);
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
