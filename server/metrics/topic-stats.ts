/**
 * Per-topic traffic, as Kafka's BrokerTopicMetrics count it: bytes and messages in, bytes out,
 * produce and fetch requests (total and failed), each per topic and for all topics together.
 * The handlers add plain numbers to one small object per topic (found by name: one map lookup per
 * topic of a request, nothing allocated once the topic has been seen); prom-client reads them
 * when /metrics is scraped.
 */
import { ErrorCode } from '../protocol/error-codes.js';

export class TopicCounters {
  bytesIn = 0;
  messagesIn = 0;
  bytesOut = 0;
  totalProduceRequests = 0;
  failedProduceRequests = 0;
  totalFetchRequests = 0;
  failedFetchRequests = 0;
}

/** The fields of a Fetch response partition this reads (the handler's own objects). */
interface FetchedPartitionView {
  errorCode: number;
  records: { length: number } | null;
}

export class TopicStats {
  readonly topics = new Map<string, TopicCounters>();
  /** Every topic together (Kafka's BrokerTopicMetrics without a topic tag). */
  readonly all = new TopicCounters();
  /** Bytes sent to followers (Kafka's ReplicationBytesOutPerSec). */
  replicationBytesOut = 0;

  of(topic: string): TopicCounters {
    let counters = this.topics.get(topic);
    if (!counters) {
      counters = new TopicCounters();
      this.topics.set(topic, counters);
    }
    return counters;
  }

  /** A topic's counters go with it (DeleteTopics), so a deleted topic stops being exported. */
  forget(topic: string): void {
    this.topics.delete(topic);
  }

  /** `messages` records in `bytes` bytes were appended to a partition of `topic`. */
  appended(topic: string, bytes: number, messages: number): void {
    const t = this.of(topic);
    t.bytesIn += bytes;
    t.messagesIn += messages;
    this.all.bytesIn += bytes;
    this.all.messagesIn += messages;
  }

  /**
   * One partition of a produce request was answered (`failed` with an error); `known` when the
   * topic exists here (else only the all-topics count moves).
   */
  produced(topic: string, failed: boolean, known: boolean): void {
    const all = this.all;
    all.totalProduceRequests++;
    if (failed) all.failedProduceRequests++;
    if (!known) return;
    const t = this.of(topic);
    t.totalProduceRequests++;
    if (failed) t.failedProduceRequests++;
  }

  /** One fetched topic's partitions, as answered: bytes out (to a follower or a consumer) and requests. */
  fetched(topic: string | undefined, partitions: readonly FetchedPartitionView[], follower: boolean): void {
    // A topic nobody has (any name a client sends) gets no counters of its own: they would grow without end.
    const code = partitions[0]?.errorCode;
    const unknown = code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION || code === ErrorCode.UNKNOWN_TOPIC_ID;
    const t = topic === undefined || topic === '' || unknown ? undefined : this.of(topic);
    const all = this.all;
    for (let i = 0; i < partitions.length; i++) {
      const p = partitions[i]!;
      const bytes = p.records?.length ?? 0;
      const failed = p.errorCode !== 0;
      all.totalFetchRequests++;
      if (failed) all.failedFetchRequests++;
      if (follower) this.replicationBytesOut += bytes;
      else all.bytesOut += bytes;
      if (!t) continue;
      t.totalFetchRequests++;
      if (failed) t.failedFetchRequests++;
      if (!follower) t.bytesOut += bytes;
    }
  }
}
