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
  /** Records waiting in librdkafka's partition queue (not yet taken into a request). */
  queued: number;
  /** Records in Produce requests built and not yet answered (waiting to be sent, or sent). */
  inflight: number;
  /** The idempotent producer's next sequence it expects to be acknowledged. */
  nextAckSeq: number;
}

export interface ClientBrokerView {
  id: number;
  /** librdkafka's connection state: UP, DOWN, CONNECT, ... */
  state: string;
  /** Requests waiting to be sent, and the records in them. */
  outbuf: number;
  outbufMsgs: number;
  /** Requests sent, waiting for their answer, and the records in them. */
  waitresp: number;
  waitrespMsgs: number;
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
  /** Records handed to librdkafka and not yet delivered (or failed), in all. */
  undelivered: number;
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
      return `${p.topic}/${p.partition} ${where(p)}, ${p.queued} queued, ${p.inflight} in requests, next acknowledged sequence ${p.nextAckSeq}`;
    });
  const brokers = [...view.brokers]
    .sort((a, b) => a.id - b.id)
    .map(
      (b) =>
        `${b.id} ${b.state} (${b.outbuf} request(s) of ${b.outbufMsgs} record(s) to send, ` +
        `${b.waitresp} of ${b.waitrespMsgs} awaiting an answer, ${b.timeouts} timed out, ${b.retries} resent)`,
    );
  return (
    `librdkafka ${(ageMs / 1000).toFixed(1)} s ago: idempotence ${view.idemp} ` +
    `(producer id ${view.pid}, epoch ${view.epoch}), ${view.undelivered} record(s) undelivered; ${parts.join('; ') || 'none of those partitions known'}; ` +
    `brokers ${brokers.join(', ') || 'none'}`
  );
}

/** Where librdkafka sends a partition, against the leader it names (-1: none). */
function where(p: ClientPartitionView): string {
  if (p.broker < 0) return `handed to no broker (leader ${p.leader < 0 ? 'unknown' : p.leader})`;
  if (p.leader < 0) return `sent to broker ${p.broker}, no leader known`;
  if (p.broker === p.leader) return `sent to its leader ${p.leader}`;
  return `sent to broker ${p.broker} though it names leader ${p.leader}`;
}
