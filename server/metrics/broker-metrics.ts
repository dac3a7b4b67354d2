/**
 * The counters a broker keeps for /metrics while the admin listener is on: requests and their
 * latencies (the network layer), per-topic traffic (Produce and Fetch). With
 * kiln.admin.listener=none there is no BrokerMetrics at all, and each place that would count
 * checks for it once and does nothing.
 */
import { RequestStats } from './request-stats.js';
import { TopicStats } from './topic-stats.js';

const PRODUCE_KEY = 0;
const FETCH_KEY = 1;

/** What a produced or fetched partition's answer looks like to the counters. */
interface PartitionAnswer {
  errorCode: number;
}

interface FetchedTopicView {
  topic?: string;
  partitions: readonly (PartitionAnswer & { records: { length: number } | null })[];
}

export class BrokerMetrics {
  readonly requests = new RequestStats();
  readonly topics = new TopicStats();

  /**
   * A produce request is answered: each partition's outcome, by topic (`served[i]` is set when the
   * partition's topic exists here), and its errors by code.
   */
  produceAnswered(
    topics: readonly string[],
    partitions: readonly PartitionAnswer[],
    served: readonly unknown[],
  ): void {
    for (let i = 0; i < partitions.length; i++) {
      const code = partitions[i]!.errorCode;
      this.topics.produced(topics[i]!, code !== 0, served[i] !== undefined);
      if (code !== 0) this.requests.error(PRODUCE_KEY, code);
    }
  }

  /** A fetch is answered (`follower`: a replica's): bytes out and requests by topic, errors by code. */
  fetchAnswered(responses: readonly FetchedTopicView[], follower: boolean): void {
    for (let i = 0; i < responses.length; i++) {
      const topic = responses[i]!;
      this.topics.fetched(topic.topic, topic.partitions, follower);
      const partitions = topic.partitions;
      for (let j = 0; j < partitions.length; j++) {
        const code = partitions[j]!.errorCode;
        if (code !== 0) this.requests.error(FETCH_KEY, code);
      }
    }
  }
}
