/**
 * Cluster mode: offset commits and group metadata are acknowledged only once the in-sync replicas
 * of their __consumer_offsets partition hold them, as Kafka's GroupMetadataManager does. Kafka 2.4
 * appends the coordinator's batch through its replica manager exactly like a produce request,
 * with acks = offsets.commit.required.acks (-1 unless overridden) and a timeout of
 * offsets.commit.timeout.ms (5 s by default), and answers the client from that append's callback:
 *
 * - before the append (acks -1): an ISR smaller than the partition's min.insync.replicas refuses
 *   it with NOT_ENOUGH_REPLICAS, and nothing is written;
 * - after it: the answer waits until the high watermark passes the batch. REQUEST_TIMED_OUT when
 *   that takes longer than the timeout, NOT_ENOUGH_REPLICAS_AFTER_APPEND when the ISR had shrunk
 *   below the minimum by then, NOT_LEADER_OR_FOLLOWER when this broker stopped leading meanwhile;
 * - acks 1 (or 0): answered once the leader has appended it, no minimum checked.
 *
 * The outcome is a produce error code, which the coordinator then turns into what the client is
 * told — one way for an OffsetCommit, another for the group metadata stored at the end of a
 * rebalance (commitErrorCode, groupErrorCode below). A single node never comes here: it appends
 * and answers at once, as before.
 */
import type { PartitionLog } from '../../engine/index.js';
import { NotLeaderError, errorCodeFor } from '../engine-errors.js';
import type { Logger } from '../logger.js';
import { ErrorCode } from '../protocol/error-codes.js';

/** What a replicated write needs of the replica manager (a stand-in in unit tests). */
export interface OffsetsReplicas {
  enoughReplicasError(topic: string, partition: number, log: PartitionLog): number;
  waitForReplication(topic: string, partition: number, offset: number, timeoutMs: number): Promise<number>;
}

export interface ReplicatedWrite {
  /** offsets.commit.required.acks: -1 waits for the ISR; 1 (or 0) only for the leader's append. */
  requiredAcks: number;
  /** offsets.commit.timeout.ms: how long the ISR may take. */
  timeoutMs: number;
  logger: Logger;
  /** Once the batch is in the leader's log: followers' long polls on the partition wake. */
  appended(partition: number): void;
}

/** The group's __consumer_offsets partition cannot be written here (the topic or its log is missing). */
export class OffsetsPartitionUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OffsetsPartitionUnavailableError';
  }
}

/**
 * Appends `batch` to `log`, which this broker leads, and resolves with the outcome as the produce
 * error code of an append with acks = `write.requiredAcks`: NONE once acknowledged. Never rejects.
 */
export function appendReplicated(
  replicas: OffsetsReplicas,
  log: PartitionLog,
  batch: Buffer,
  write: ReplicatedWrite,
): Promise<number> {
  const { topic, partition } = log;
  const all = write.requiredAcks === -1;
  if (all) {
    const short = replicas.enoughReplicasError(topic, partition, log);
    if (short !== ErrorCode.NONE) return Promise.resolve(short);
  }
  let end: number;
  try {
    end = log.append(batch, { internal: true }).lastOffset + 1;
  } catch (err) {
    write.logger.warn({ err, topic, partition }, 'cannot append to the group coordinator log');
    return Promise.resolve(appendErrorCode(err));
  }
  write.appended(partition);
  if (!all) return Promise.resolve(ErrorCode.NONE);
  return replicas.waitForReplication(topic, partition, end, write.timeoutMs).catch((err: unknown) => {
    write.logger.error({ err, topic, partition }, 'waiting for the group coordinator log failed');
    return ErrorCode.UNKNOWN_SERVER_ERROR;
  });
}

/**
 * The produce error code of a write that could not be made: leadership gone, the partition
 * missing, or the engine's refusal (a storage failure, a batch too large); anything else the
 * append threw is UNKNOWN_SERVER_ERROR, as Kafka's replica manager answers an unexpected failure.
 */
export function appendErrorCode(err: unknown): number {
  if (err instanceof NotLeaderError) return ErrorCode.NOT_LEADER_OR_FOLLOWER;
  if (err instanceof OffsetsPartitionUnavailableError) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
  return errorCodeFor(err);
}

/**
 * What an OffsetCommit is answered for a write's outcome (Kafka 2.4's storeOffsets callback):
 * the partition unknown, or too few in-sync replicas before or after the append, become
 * COORDINATOR_NOT_AVAILABLE; lost leadership or a storage failure, NOT_COORDINATOR (the client
 * looks the coordinator up again); a batch too large, INVALID_COMMIT_OFFSET_SIZE. Every other code
 * reaches the client as it is: a wait that timed out stays REQUEST_TIMED_OUT (consumers retry it
 * after finding the coordinator again) and an unexpected failure UNKNOWN_SERVER_ERROR.
 */
export function commitErrorCode(code: number): number {
  switch (code) {
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
    case ErrorCode.NOT_ENOUGH_REPLICAS:
    case ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND:
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    case ErrorCode.NOT_LEADER_OR_FOLLOWER:
    case ErrorCode.KAFKA_STORAGE_ERROR:
      return ErrorCode.NOT_COORDINATOR;
    case ErrorCode.MESSAGE_TOO_LARGE:
    case ErrorCode.RECORD_LIST_TOO_LARGE:
    case ErrorCode.INVALID_FETCH_SIZE:
      return ErrorCode.INVALID_COMMIT_OFFSET_SIZE;
    default:
      return code;
  }
}

/**
 * What the members waiting in SyncGroup are answered for the write of the group's metadata (Kafka
 * 2.4's storeGroup callback): the same as a commit for the first two kinds, but a wait that timed
 * out becomes REBALANCE_IN_PROGRESS (the members join again) and a batch too large
 * UNKNOWN_SERVER_ERROR; every other code as it is.
 */
export function groupErrorCode(code: number): number {
  switch (code) {
    case ErrorCode.REQUEST_TIMED_OUT:
      return ErrorCode.REBALANCE_IN_PROGRESS;
    case ErrorCode.MESSAGE_TOO_LARGE:
    case ErrorCode.RECORD_LIST_TOO_LARGE:
    case ErrorCode.INVALID_FETCH_SIZE:
      return ErrorCode.UNKNOWN_SERVER_ERROR;
    default:
      return commitErrorCode(code);
  }
}
