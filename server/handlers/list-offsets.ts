/**
 * ListOffsets: an offset for a time. -1 gives the latest offset a consumer can read (the high
 * watermark, which is also the last stable offset here), -2 the log start offset, -3 (v7+) the
 * record with the largest timestamp; any other value the first record whose timestamp is at least
 * that, or offset -1 when there is none. As in Kafka, a consumer (replica id -1) is never given an
 * offset found by time that it could not fetch yet (at or past the high watermark, which in a
 * cluster trails the log end until followers have the records): -1 instead. Nor the latest offset
 * of a leader whose high watermark is still below where its leadership began (a new leader learns
 * the high watermark from its followers' next fetches; until then its own is stale, from when it
 * followed): OFFSET_NOT_AVAILABLE, which clients retry.
 */
import { OffsetSpec } from '../../engine/index.js';
import type { BrokerContext } from '../broker-context.js';
import type { ResponseOf } from '../protocol/message-types.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { ListOffsetsApi } from '../protocol/apis/list-offsets.js';
import { errorCodeFor } from '../engine-errors.js';
import { servedLog } from './served-log.js';
import { reply, type Handler } from './registry.js';

/** A consumer's replica id; -2 (a debugging tool's) sees the whole log, as a replica does. */
const CONSUMER_REPLICA_ID = -1;

type ListedTopic = ResponseOf<typeof ListOffsetsApi>['topics'][number];
type ListedPartition = ListedTopic['partitions'][number];

export function listOffsetsHandler(broker: BrokerContext): Handler<typeof ListOffsetsApi> {
  return {
    api: ListOffsetsApi,
    async handle(request) {
      const topics: ListedTopic[] = [];
      for (const t of request.topics) {
        const partitions: ListedPartition[] = [];
        for (const p of t.partitions) {
          const served = servedLog(broker, t.name, p.partitionIndex);
          if ('errorCode' in served) {
            partitions.push({
              partitionIndex: p.partitionIndex,
              errorCode: served.errorCode,
              timestamp: -1,
              offset: -1,
            });
            continue;
          }
          const { log } = served;
          try {
            let found: { offset: number; timestamp: number } | undefined;
            if (p.timestamp === OffsetSpec.Latest) {
              const leader = broker.replicas?.leaderOf(t.name, p.partitionIndex);
              if (
                request.replicaId === CONSUMER_REPLICA_ID &&
                leader &&
                log.highWatermark < leader.epochStartOffset
              ) {
                partitions.push({
                  partitionIndex: p.partitionIndex,
                  errorCode: ErrorCode.OFFSET_NOT_AVAILABLE,
                  timestamp: -1,
                  offset: -1,
                });
                continue;
              }
              found = { offset: log.highWatermark, timestamp: -1 };
            } else {
              found = await log.offsetForTimestamp(p.timestamp);
              if (
                found &&
                request.replicaId === CONSUMER_REPLICA_ID &&
                p.timestamp !== OffsetSpec.Earliest &&
                found.offset >= log.highWatermark
              )
                found = undefined;
            }
            partitions.push({
              partitionIndex: p.partitionIndex,
              errorCode: ErrorCode.NONE,
              timestamp: found?.timestamp ?? -1,
              offset: found?.offset ?? -1,
              // In a cluster, the leader's epoch (clients validate their position with it).
              leaderEpoch: broker.replicas ? broker.replicas.leaderEpochOf(t.name, p.partitionIndex) : 0,
            });
          } catch (err) {
            partitions.push({
              partitionIndex: p.partitionIndex,
              errorCode: errorCodeFor(err),
              timestamp: -1,
              offset: -1,
            });
          }
        }
        topics.push({ name: t.name, partitions });
      }
      return reply(ListOffsetsApi, { throttleTimeMs: 0, topics });
    },
  };
}
