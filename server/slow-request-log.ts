/**
 * The slow request log: a request whose handler took longer than `kiln.log.slow.request.ms` is
 * logged at info with its API, version, client id and duration. A Fetch may wait up to its own
 * max wait for records by design (a long poll: kafkajs asks for 5 s), so only the time past that
 * wait counts against it.
 */
import type { Logger } from './logger.js';
import type { SlowRequest } from './network/request-observer.js';
import { FetchApi } from './protocol/apis/fetch.js';

/** The first Fetch version whose header is flexible (tagged fields), and the first without a replica id. */
const FETCH_FLEXIBLE_FROM = 12;
const FETCH_NO_REPLICA_ID_FROM = 15;

export function slowRequestLogger(
  log: Logger,
  thresholdMs: number,
  apiName: (apiKey: number) => string | undefined,
): (request: SlowRequest) => void {
  return (r) => {
    if (r.apiKey === FetchApi.key && r.ms <= thresholdMs + fetchMaxWaitMs(r.frame, r.apiVersion)) return;
    log.info(
      {
        api: apiName(r.apiKey) ?? r.apiKey,
        version: r.apiVersion,
        clientId: r.clientId,
        client: r.remote,
        ms: r.ms,
      },
      'slow request',
    );
  };
}

/**
 * A Fetch request's max wait, read from its frame: the header (api key, version, correlation id,
 * client id as an int16-length string, and from v12 tagged fields), then the body, which begins
 * with the replica id (before v15) and the max wait. 0 if the frame is too short to say.
 */
export function fetchMaxWaitMs(frame: Buffer, version: number): number {
  let at = 8;
  if (frame.length < at + 2) return 0;
  const clientIdLength = frame.readInt16BE(at);
  at += 2 + Math.max(clientIdLength, 0);
  if (version >= FETCH_FLEXIBLE_FROM) {
    const count = varint(frame, at);
    if (count === undefined) return 0;
    at = count.next;
    for (let i = 0; i < count.value; i++) {
      const tag = varint(frame, at);
      const size = tag && varint(frame, tag.next);
      if (!size) return 0;
      at = size.next + size.value;
    }
  }
  if (version < FETCH_NO_REPLICA_ID_FROM) at += 4;
  return at + 4 <= frame.length ? Math.max(frame.readInt32BE(at), 0) : 0;
}

/** An unsigned varint at `at`, and where the next field begins; undefined if the frame ends first. */
function varint(frame: Buffer, at: number): { value: number; next: number } | undefined {
  let value = 0;
  for (let shift = 0; at < frame.length && shift < 35; shift += 7) {
    const byte = frame[at++]!;
    value |= (byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return { value: value >>> 0, next: at };
  }
  return undefined;
}
