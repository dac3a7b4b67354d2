/**
 * The handler registry: each handler names its API schema (which declares the versions once),
 * and the registry routes frames to handlers and answers ApiVersions from the same list, so
 * what Kiln advertises and what it accepts cannot drift apart.
 *
 * A frame is: request header, then the body for (api key, version). An unknown API key, or a
 * version outside a known API's range, closes the connection — what Kafka does — except for
 * ApiVersions, which answers UNSUPPORTED_VERSION (35) in the v0 format listing ApiVersions' own
 * range only, as Kafka does (KIP-511), so a client can fall back to a version both sides speak.
 */
import { isMapped, releaseSentPages } from '../../engine/index.js';
import type { Connection, ResponseFrame } from '../network/connection.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { decodeMessage, encodeMessage, type Message } from '../protocol/codec.js';
import {
  API_VERSIONS_KEY,
  decodeRequestHeaderStart,
  encodeResponseHeader,
  skipHeaderTaggedFields,
  type RequestHeader,
} from '../protocol/headers.js';
import { forEachErrorCode, walksErrorsOf } from '../metrics/response-errors.js';
import type { RequestStats } from '../metrics/request-stats.js';
import { ProtocolError } from '../protocol/protocol-error.js';
import { ProtocolReader } from '../protocol/reader.js';
import type { Exact, RequestOf, ResponseOf } from '../protocol/message-types.js';
import { inRange, type ApiDef } from '../protocol/schema.js';
import { ProtocolWriter } from '../protocol/writer.js';

export interface RequestContext {
  header: RequestHeader;
  connection: Connection | undefined;
}

/**
 * A handler of API `A`: it gets the request typed from A's schema and answers with `reply(A, body)`,
 * which checks the body against A's response type (message-types.ts) at every depth, so a missing
 * or misspelt response field does not compile.
 */
export interface Handler<A extends ApiDef> {
  api: A;
  /**
   * The engine copies what it keeps of these requests (Produce's records), so a request's frame
   * buffer may be reused as soon as it is handled.
   */
  requestCopied?: boolean;
  /** Returns the response body, or null when no response is sent (Produce with acks=0). */
  handle(request: RequestOf<A>, version: number, context: RequestContext): Answer<Reply<A>>;
}

/**
 * A handler of some API, as lists of handlers and the registry hold them: the registry gives it
 * what the codec decoded with the same API's schema, and encodes its answer with that schema.
 */
export interface AnyHandler {
  api: ApiDef;
  requestCopied?: boolean;
  handle(request: Message, version: number, context: RequestContext): Answer<Message>;
}

type Answer<R> = R | null | Promise<R | null>;

declare const checked: unique symbol;

/** A response of `A` that went through reply(), the only maker of one. */
export type Reply<A extends ApiDef> = ResponseOf<A> & { readonly [checked]: A };

/**
 * A handler's answer: `body` must be a response of `api` with no field the schema lacks, at any
 * depth (Exact); the value is `body` itself.
 */
export function reply<A extends ApiDef, R extends ResponseOf<A>>(
  api: A,
  body: R & Exact<R, ResponseOf<A>>,
): Reply<A> {
  void api;
  return body as unknown as Reply<A>;
}

export class HandlerRegistry {
  private readonly handlers = new Map<number, AnyHandler>();
  /** Where the error codes of answers go (the errors metric); absent when nothing counts them. */
  private errors: RequestStats | undefined;

  /** Counts the error codes of every answer but Produce's and Fetch's (which count their own). */
  countErrorsIn(stats: RequestStats | undefined): this {
    this.errors = stats;
    return this;
  }

  register(handler: AnyHandler): this {
    if (this.handlers.has(handler.api.key)) throw new Error(`two handlers for ${handler.api.name}`);
    this.handlers.set(handler.api.key, handler);
    return this;
  }

  /** ApiVersions' answer: every registered API with its version range. */
  apiVersions(): { apiKey: number; minVersion: number; maxVersion: number }[] {
    return [...this.handlers.values()]
      .sort((a, b) => a.api.key - b.api.key)
      .map((h) => ({ apiKey: h.api.key, minVersion: h.api.versions.min, maxVersion: h.api.versions.max }));
  }

  /** The name of API `apiKey` (Produce, Fetch, ...) if a handler serves it. */
  apiName(apiKey: number): string | undefined {
    return this.handlers.get(apiKey)?.api.name;
  }

  /** Whether a handled request frame's buffer may be reused (see Handler.requestCopied). */
  frameReusable(frame: Buffer): boolean {
    return frame.length >= 2 && this.handlers.get(frame.readInt16BE(0))?.requestCopied === true;
  }

  /** Handles one frame; throws ProtocolError (the connection is then closed) for what cannot be answered. */
  handle(frame: Buffer, connection?: Connection): ResponseFrame | null | Promise<ResponseFrame | null> {
    const reader = new ProtocolReader(frame);
    const header = decodeRequestHeaderStart(reader);
    const handler = this.handlers.get(header.apiKey);
    if (!handler) throw new ProtocolError(`unknown API key ${header.apiKey}`);
    const api = handler.api;
    if (!inRange(header.apiVersion, api.versions)) {
      if (api.key === API_VERSIONS_KEY) return this.unsupportedApiVersions(header);
      throw new ProtocolError(`${api.name} version ${header.apiVersion} is not supported`);
    }
    const flexible = inRange(header.apiVersion, api.flexible);
    if (flexible) skipHeaderTaggedFields(reader);
    const request = decodeMessage(api.request, header.apiVersion, flexible, reader);
    const result = handler.handle(request, header.apiVersion, { header, connection });
    if (result instanceof Promise) return result.then((body) => this.respond(api, header, flexible, body));
    return this.respond(api, header, flexible, result);
  }

  private respond(
    api: ApiDef,
    header: RequestHeader,
    flexible: boolean,
    body: Message | null,
  ): ResponseFrame | null {
    if (body === null) return null;
    const stats = this.errors;
    if (stats && walksErrorsOf(api.key)) forEachErrorCode(body, (code) => stats.error(api.key, code));
    const writer = new ProtocolWriter({ sizePrefix: true });
    encodeResponseHeader(writer, header.correlationId, api.key, flexible);
    encodeMessage(api.response, header.apiVersion, flexible, body, writer);
    return withMappedPages(writer.toBuffers());
  }

  private unsupportedApiVersions(header: RequestHeader): ResponseFrame {
    const api = this.handlers.get(API_VERSIONS_KEY)!.api;
    const writer = new ProtocolWriter({ sizePrefix: true });
    encodeResponseHeader(writer, header.correlationId, API_VERSIONS_KEY, false);
    encodeMessage(
      api.response,
      0,
      false,
      {
        errorCode: ErrorCode.UNSUPPORTED_VERSION,
        apiKeys: [{ apiKey: API_VERSIONS_KEY, minVersion: api.versions.min, maxVersion: api.versions.max }],
      },
      writer,
    );
    return { buffers: writer.toBuffers() };
  }
}

/**
 * A response whose record sets are slices of mapped segments (Fetch): those bytes are not on the
 * heap, and once sent their pages leave the process's page tables in chunks (engine/segment/
 * sent-pages.ts; the page cache keeps them).
 */
function withMappedPages(buffers: Buffer[]): ResponseFrame {
  let mapped: Buffer[] | undefined;
  let heapBytes = 0;
  for (const buffer of buffers) {
    if (isMapped(buffer)) (mapped ??= []).push(buffer);
    else heapBytes += buffer.length;
  }
  if (!mapped) return { buffers, heapBytes };
  const sent = mapped;
  return {
    buffers,
    heapBytes,
    afterSend: () => {
      for (const buffer of sent) releaseSentPages(buffer);
    },
  };
}
