/**
 * OffsetForLeaderEpoch: the end offset of a leader epoch, so a consumer (or follower) can tell
 * whether its position lies on a log that was since truncated. On one node the leader epoch is
 * always 0 and never changes, so Kafka's rules reduce to:
 * - currentLeaderEpoch (v2+) is checked first: -1 means "not known" and passes; above 0 is
 *   UNKNOWN_LEADER_EPOCH (the client knows a newer leader than this one), below 0 is
 *   FENCED_LEADER_EPOCH (the client's is older);
 * - requested epoch 0 answers epoch 0 with the log end offset;
 * - any other requested epoch (a later one, or -1) answers epoch -1 and offset -1 with no error,
 *   which is what Kafka's epoch cache gives for an epoch it has no end for;
 * - an unknown topic or partition is UNKNOWN_TOPIC_OR_PARTITION.
 *
 * In a cluster leader epochs are real: the leader answers from its log's leader epoch cache (the
 * largest epoch at or below the one asked, and where it ended), after checking the current leader
 * epoch against its own; followers use it to find where their log and the leader's part.
 */
import type { BrokerContext } from '../../broker-context.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { OffsetForLeaderEpochApi } from '../../protocol/apis/offset-for-leader-epoch.js';
import type { RequestOf, ResponseOf } from '../../protocol/message-types.js';
import { servedLog } from '../served-log.js';
import { reply, type Handler } from '../registry.js';

/** The only leader epoch a partition on this node ever has. */
export const LEADER_EPOCH = 0;
/** Kafka's "no epoch / no offset". */
const UNDEFINED = -1;

type EpochPartition = RequestOf<typeof OffsetForLeaderEpochApi>['topics'][number]['partitions'][number];
type EpochEnd = ResponseOf<typeof OffsetForLeaderEpochApi>['topics'][number]['partitions'][number];

export function offsetForLeaderEpochHandler(broker: BrokerContext): Handler<typeof OffsetForLeaderEpochApi> {
  return {
    api: OffsetForLeaderEpochApi,
    handle(request) {
      const topics = request.topics.map((t) => ({
        topic: t.topic,
        partitions: t.partitions.map((p) => endOffsetFor(broker, t.topic, p)),
      }));
      return reply(OffsetForLeaderEpochApi, { throttleTimeMs: 0, topics });
    },
  };
}

function endOffsetFor(broker: BrokerContext, topicName: string, p: EpochPartition): EpochEnd {
  const answer = (errorCode: number, leaderEpoch = UNDEFINED, endOffset = UNDEFINED): EpochEnd => ({
    errorCode,
    partition: p.partition,
    leaderEpoch,
    endOffset,
  });
  const served = servedLog(broker, topicName, p.partition);
  if ('errorCode' in served) return answer(served.errorCode);
  const { log } = served;
  if (broker.replicas) {
    const fenced = broker.replicas.leaderEpochError(topicName, p.partition, p.currentLeaderEpoch);
    if (fenced !== ErrorCode.NONE) return answer(fenced);
    const end = log.endOffsetForEpoch(p.leaderEpoch);
    return answer(ErrorCode.NONE, end.epoch, end.endOffset);
  }
  if (p.currentLeaderEpoch !== UNDEFINED) {
    if (p.currentLeaderEpoch > LEADER_EPOCH) return answer(ErrorCode.UNKNOWN_LEADER_EPOCH);
    if (p.currentLeaderEpoch < LEADER_EPOCH) return answer(ErrorCode.FENCED_LEADER_EPOCH);
  }
  if (p.leaderEpoch !== LEADER_EPOCH) return answer(ErrorCode.NONE);
  return answer(ErrorCode.NONE, LEADER_EPOCH, log.logEndOffset);
}
