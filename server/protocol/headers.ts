/**
 * Request and response headers.
 *
 *   request header v1:  api_key int16, api_version int16, correlation_id int32, client_id string
 *   request header v2:  v1 + tagged fields                (flexible request versions)
 *   response header v0: correlation_id int32
 *   response header v1: v0 + tagged fields                (flexible response versions)
 *
 * client_id stays a classic (non-compact) nullable string even in header v2. ApiVersions
 * responses always use header v0, whatever the version, so that a client can read the answer
 * before it knows which versions the broker speaks.
 */
import type { ProtocolReader } from './reader.js';
import type { ProtocolWriter } from './writer.js';

export const API_VERSIONS_KEY = 18;

export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
}

/** Reads the fixed part of a request header (enough to find the API and answer errors). */
export function decodeRequestHeaderStart(reader: ProtocolReader): RequestHeader {
  const apiKey = reader.int16();
  const apiVersion = reader.int16();
  const correlationId = reader.int32();
  const clientId = reader.string();
  return { apiKey, apiVersion, correlationId, clientId };
}

/** Skips the header's tagged fields (request header v2). */
export function skipHeaderTaggedFields(reader: ProtocolReader): void {
  const count = reader.unsignedVarint();
  for (let i = 0; i < count; i++) {
    reader.unsignedVarint();
    reader.skip(reader.unsignedVarint());
  }
}

export function encodeResponseHeader(
  writer: ProtocolWriter,
  correlationId: number,
  apiKey: number,
  flexible: boolean,
): void {
  writer.int32(correlationId);
  if (flexible && apiKey !== API_VERSIONS_KEY) writer.unsignedVarint(0);
}
