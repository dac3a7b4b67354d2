/**
 * The slow request log: a request whose handler took longer than `kiln.log.slow.request.ms` is
 * logged at info with its API, version, client id and duration.
 *
 * Some requests are held by design, for as long as the request itself allows; only the time past
 * that allowance counts against them:
 * - Fetch waits up to its own max wait for records (a long poll: kafkajs asks for 5 s);
 * - JoinGroup waits for the group's other members, up to its rebalance timeout (the session
 *   timeout before v1); a new group's first join also waits group.initial.rebalance.delay.ms,
 *   which is far below any rebalance timeout a client sends;
 * - SyncGroup from a follower waits for the leader's assignment; the coordinator ends that wait at
 *   the group's rebalance timeout, which this request does not carry, so it is never logged.
 * The allowance is read by decoding the frame with the API's own description; this runs only for
 * requests already over the threshold.
 */
import type { Logger } from './logger.js';
import type { SlowRequest } from './network/request-observer.js';
import { decodeMessage } from './protocol/codec.js';
import { decodeRequestHeaderStart, skipHeaderTaggedFields } from './protocol/headers.js';
import { FetchApi } from './protocol/apis/fetch.js';
import { JoinGroupApi } from './protocol/apis/join-group.js';
import { SyncGroupApi } from './protocol/apis/sync-group.js';
import type { RequestOf } from './protocol/message-types.js';
import { ProtocolReader } from './protocol/reader.js';
import { inRange, type ApiDef } from './protocol/schema.js';

export function slowRequestLogger(
  log: Logger,
  thresholdMs: number,
  apiName: (apiKey: number) => string | undefined,
): (request: SlowRequest) => void {
  return (r) => {
    if (r.ms <= thresholdMs + requestedWaitMs(r.frame)) return;
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
 * How long the request in `frame` (header and body, no size prefix) may be held by its own
 * terms (above): 0 for any other request, or one that cannot be read.
 */
export function requestedWaitMs(frame: Buffer): number {
  if (frame.length < 2) return 0;
  switch (frame.readInt16BE(0)) {
    case FetchApi.key: {
      const request = decode(FetchApi, frame) as RequestOf<typeof FetchApi> | undefined;
      return Math.max(request?.maxWaitMs ?? 0, 0);
    }
    case JoinGroupApi.key: {
      const request = decode(JoinGroupApi, frame) as RequestOf<typeof JoinGroupApi> | undefined;
      if (!request) return 0;
      return Math.max(
        request.rebalanceTimeoutMs >= 0 ? request.rebalanceTimeoutMs : request.sessionTimeoutMs,
        0,
      );
    }
    case SyncGroupApi.key:
      return Number.POSITIVE_INFINITY;
    default:
      return 0;
  }
}

function decode(api: ApiDef, frame: Buffer): unknown {
  try {
    const reader = new ProtocolReader(frame);
    const header = decodeRequestHeaderStart(reader);
    if (!inRange(header.apiVersion, api.versions)) return undefined;
    const flexible = inRange(header.apiVersion, api.flexible);
    if (flexible) skipHeaderTaggedFields(reader);
    return decodeMessage(api.request, header.apiVersion, flexible, reader);
  } catch {
    return undefined;
  }
}
