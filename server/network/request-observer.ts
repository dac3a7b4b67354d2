/**
 * What the network layer tells of the requests it carries, for whoever watches (the broker's
 * metrics, the slow request log), without knowing what they are: it stays free of any API or
 * metrics library. All of it is optional and costs nothing when nobody watches.
 */

/** Counts requests and connections (the broker's metrics implement it). */
export interface RequestObserver {
  /** A request of `apiKey` was answered `handledMs` after it arrived; its answer then waited `queuedMs`. */
  answered(apiKey: number, handledMs: number, queuedMs: number): void;
  connectionOpened(): void;
  connectionClosed(): void;
}

/** A request that took longer than the slow request threshold. */
export interface SlowRequest {
  apiKey: number;
  apiVersion: number;
  clientId: string | null;
  remote: string;
  /** From the frame's arrival until its handler answered. */
  ms: number;
  /** The request's frame (header and body), readable during the call only. */
  frame: Buffer;
}

/** The client id of a request frame (header v1+: api key, version, correlation id, client id). */
export function clientIdOf(frame: Buffer): string | null {
  if (frame.length < 10) return null;
  const length = frame.readInt16BE(8);
  if (length < 0 || 10 + length > frame.length) return null;
  return frame.toString('utf8', 10, 10 + length);
}
