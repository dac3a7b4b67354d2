// The body of a Fetch v11 request for one partition, for tests that speak the wire protocol: a
// plain consumer's fetch (no session, read uncommitted) with the options a test varies.
import type { Message } from '../../server/protocol/codec.js';

export interface FetchOptions {
  maxBytes?: number;
  maxWaitMs?: number;
  minBytes?: number;
}

export function fetchRequest(
  topic: string,
  partition: number,
  fetchOffset: number,
  { maxBytes = 1 << 20, maxWaitMs = 0, minBytes = 0 }: FetchOptions = {},
): Message {
  return {
    replicaId: -1,
    maxWaitMs,
    minBytes,
    maxBytes,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic, partitions: [{ partition, fetchOffset, partitionMaxBytes: maxBytes }] }],
    forgottenTopicsData: [],
    rackId: '',
  };
}
