/**
 * The leader's side of the replication throttles (replication-quota.ts), as the Fetch handler
 * applies it to a follower's fetch, one partition at a time:
 *
 * - before reading: a follower that is not in the partition's ISR, fetching a partition this
 *   leader throttles (leader.replication.throttled.replicas names it on this broker), while the
 *   leader quota is exceeded, gets no records for it in this answer — no error, its offsets as
 *   usual — and asks again. A follower in the ISR is never held back: that would push it out of
 *   the ISR and stall acks=all producers (Kafka's shouldLeaderThrottle);
 * - after reading: the bytes sent of a throttled partition count against the leader quota,
 *   whoever fetched them.
 */
import type { ReplicationQuota } from './replication-quota.js';

/** Whether the leader sends `replicaId` nothing of this partition now. */
export function shouldLeaderThrottle(
  quota: ReplicationQuota,
  topic: string,
  partition: number,
  replicaId: number,
  isr: readonly number[],
  now?: number,
): boolean {
  return (
    quota.limited && !isr.includes(replicaId) && quota.isThrottled(topic, partition) && quota.exceeded(now)
  );
}

/**
 * Counts `bytes` sent to a follower against the leader quota, if the partition is throttled here
 * (and a rate is set: without one there is nothing to count for).
 */
export function recordLeaderSent(
  quota: ReplicationQuota,
  topic: string,
  partition: number,
  bytes: number,
  now?: number,
): void {
  if (bytes > 0 && quota.limited && quota.isThrottled(topic, partition)) quota.record(bytes, now);
}
