/**
 * What the chaos producer's librdkafka believes, from its statistics (producer.py reduces them to a
 * "stats" line every couple of seconds): where it sends each partition, which leader it believes
 * in, what it holds queued and in flight, and how each broker connection is doing.
 *
 * When a partition stops taking records this tells the two halves apart: librdkafka sending to a
 * broker other than the leader it names (a stale client-side delegation), or holding records back
 * with nothing in flight, is the client's; requests in flight that time out, or a leader named by
 * both client and cluster that never answers, are the cluster's.
 */

export interface ClientPartitionView {
  topic: string;
  partition: number;
  /** The broker librdkafka sends this partition's records to (-1: none). */
  broker: number;
  /** The leader librdkafka last read in Metadata (-1: none). */
  leader: number;
  /** Records waiting in librdkafka's partition queue. */
  queued: number;
  /** Records in Produce requests sent and not yet answered. */
  inflight: number;
  /** The idempotent producer's next sequence it expects to be acknowledged. */
  nextAckSeq: number;
}

export interface ClientBrokerView {
  id: number;
  /** librdkafka's connection state: UP, DOWN, CONNECT, ... */
  state: string;
  /** Requests waiting to be sent. */
  outbuf: number;
  /** Requests sent, waiting for their answer. */
  waitresp: number;
  /** Requests that timed out, in all. */
  timeouts: number;
  /** Requests sent again, in all. */
  retries: number;
}

export interface ClientView {
  /** The idempotent producer's state (Assigned once it has a producer id). */
  idemp: string;
  pid: number;
  epoch: number;
  partitions: ClientPartitionView[];
  brokers: ClientBrokerView[];
}

/**
 * One producer's view of `partitions` (`<topic>/<partition>`), in a line: each partition, then
 * every broker connection. `ageMs` is how old the view is.
 */
export function describeClientView(view: ClientView, partitions: readonly string[], ageMs: number): string {
  const wanted = new Set(partitions);
  const parts = view.partitions
    .filter((p) => wanted.has(`${p.topic}/${p.partition}`))
    .map((p) => {
      const where =
        p.broker === p.leader
          ? `sent to its leader ${p.leader}`
          : `sent to broker ${p.broker} though it names leader ${p.leader}`;
      return `${p.topic}/${p.partition} ${where}, ${p.queued} queued, ${p.inflight} in flight, next acknowledged sequence ${p.nextAckSeq}`;
    });
  const brokers = [...view.brokers]
    .sort((a, b) => a.id - b.id)
    .map(
      (b) =>
        `${b.id} ${b.state} (${b.outbuf} to send, ${b.waitresp} awaiting an answer, ${b.timeouts} timed out, ${b.retries} resent)`,
    );
  return (
    `librdkafka ${(ageMs / 1000).toFixed(1)} s ago: idempotence ${view.idemp} ` +
    `(producer id ${view.pid}, epoch ${view.epoch}); ${parts.join('; ') || 'none of those partitions known'}; ` +
    `brokers ${brokers.join(', ') || 'none'}`
  );
}
