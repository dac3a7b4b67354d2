/**
 * One TCP connection to one broker, for the tools (tools/client) and for the broker's own requests
 * to other brokers: ApiVersions negotiation (per API, the highest version both the
 * broker and Kiln's schemas support), then pipelined requests matched to responses by correlation
 * id, all encoded and decoded by Kiln's own protocol codec.
 *
 * Responses are split into frames by the server's FrameDecoder, with the kernel reading into
 * memory the decoder hands out (net's `onread`): a big frame (a Fetch response) is read straight
 * into a buffer of its own, taken from a small pool, and small frames are copied out of one reusable
 * read buffer, so no 64 KiB chunk is allocated per read. The load generators (tools/perf) also write
 * frames they encoded themselves (requestFrame, writeFrame), get raw answers (requestRaw), decode
 * them with decodeResponse and give big frames back to the pool (release).
 */
import net from 'node:net';
import { FrameDecoder } from '../network/frame-decoder.js';
import { FramePool } from '../network/frame-pool.js';
import { decodeMessage, encodeMessage, type Message } from '../protocol/codec.js';
import { ApiVersionsApi } from '../protocol/apis/api-versions.js';
import { apiSchema } from '../protocol/apis/index.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { API_VERSIONS_KEY, skipHeaderTaggedFields } from '../protocol/headers.js';
import { ProtocolReader } from '../protocol/reader.js';
import type { Exact, RequestToSend, ResponseReceived } from '../protocol/message-types.js';
import { inRange, type ApiDef } from '../protocol/schema.js';
import { ProtocolWriter } from '../protocol/writer.js';
import { BrokerConnectionError, KafkaError, checkError, socketReason } from './errors.js';

type Pending = { resolve: (frame: Buffer) => void; reject: (err: Error) => void };

/** The largest response frame accepted: a Fetch answer is bounded by its max bytes (at most 2 GiB). */
const MAX_RESPONSE_BYTES = 0x7fffffff;
/**
 * How long connecting plus ApiVersions may take (Kafka's socket.connection.setup.timeout.ms is
 * 10 s): an unroutable address or something that is not a Kafka broker fails instead of hanging.
 */
const SETUP_TIMEOUT_MS = 10_000;

/** One TCP connection to one broker, with the versions negotiated for it. */
export class Connection {
  private readonly pool = new FramePool();
  private readonly decoder = new FrameDecoder(MAX_RESPONSE_BYTES, this.pool);
  /** Frames whose buffer came from the decoder's pool: only those may be released to it. */
  private readonly pooledFrames = new WeakSet<Buffer>();
  private readonly pending = new Map<number, Pending>();
  private correlation = 0;
  private readonly versions = new Map<number, number>();
  private failure: Error | undefined;
  private readonly socket: net.Socket;

  /** host:port, as errors name it. */
  readonly address: string;

  private constructor(
    host: string,
    port: number,
    readonly clientId: string,
  ) {
    this.address = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    this.socket = net.connect({
      host,
      port,
      // Pipelined small requests must not wait for Nagle's algorithm (40 ms stalls with delayed acks).
      noDelay: true,
      onread: {
        buffer: () => this.decoder.readBuffer(),
        callback: (n: number) => {
          this.guard(() => this.decoder.didRead(n, this.onFrame));
          return true;
        },
      },
    });
    // Only if `onread` were ignored would bytes come as 'data' chunks; they are decoded the same.
    this.socket.on('data', (chunk: Buffer) => this.guard(() => this.decoder.push(chunk, this.onFrame)));
    this.socket.on('error', (err) =>
      this.failAll(
        new BrokerConnectionError(
          this.address,
          socketReason(err),
          `lost the connection to broker ${this.address} (${socketReason(err)})`,
        ),
      ),
    );
    this.socket.on('close', () =>
      this.failAll(
        new BrokerConnectionError(this.address, 'closed', `broker ${this.address} closed the connection`),
      ),
    );
  }

  /**
   * Connects and negotiates versions; a refused, unresolvable or silent address becomes a
   * BrokerConnectionError naming it ("cannot reach broker 127.0.0.1:1 (ECONNREFUSED)").
   */
  static async open(
    host: string,
    port: number,
    clientId: string,
    setupTimeoutMs = SETUP_TIMEOUT_MS,
  ): Promise<Connection> {
    const conn = new Connection(host, port, clientId);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        (async () => {
          await new Promise<void>((resolve, reject) => {
            conn.socket.once('connect', resolve);
            conn.socket.once('error', reject);
          });
          await conn.negotiate();
        })(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })),
            setupTimeoutMs,
          );
        }),
      ]);
    } catch (err) {
      conn.socket.destroy();
      if (err instanceof KafkaError) throw err;
      // Refused, unresolvable, timed out, closed, or an answer that is not Kafka's protocol.
      throw new BrokerConnectionError(
        conn.address,
        err instanceof BrokerConnectionError ? err.reason : socketReason(err),
      );
    } finally {
      clearTimeout(timer);
    }
    return conn;
  }

  private guard(decode: () => void): void {
    try {
      decode();
    } catch (err) {
      // A bad size prefix: the stream cannot be resynchronised.
      this.failAll(err as Error);
      this.socket.destroy();
    }
  }

  private readonly onFrame = (frame: Buffer, pooled: boolean): void => {
    if (frame.length < 4) return;
    const id = frame.readInt32BE(0);
    const waiter = this.pending.get(id);
    if (!waiter) return;
    this.pending.delete(id);
    if (pooled) this.pooledFrames.add(frame);
    waiter.resolve(frame);
  };

  /**
   * Gives a response frame (from requestFrame or requestRaw) back for reuse by a later response.
   * Nothing may use the frame, or anything decoded from it, afterwards.
   */
  release(frame: Buffer): void {
    if (this.pooledFrames.delete(frame)) this.pool.give(frame);
  }

  /**
   * Takes back the memory of an owned frame whose ArrayBuffer was transferred to another thread
   * and has come back from it, for reuse by a later response (kept only when the pool wants it).
   */
  giveBack(memory: ArrayBuffer): void {
    this.pool.give(Buffer.from(memory));
  }

  /**
   * Whether `frame` (from requestRaw or requestFrame) has memory of its own, taken from this
   * connection's pool: the caller may then keep it, or transfer its ArrayBuffer, instead of
   * releasing it. Other frames are views of a read buffer the next read reuses.
   */
  ownsFrame(frame: Buffer): boolean {
    return this.pooledFrames.has(frame);
  }

  /** Whether the connection has failed (closed by the peer, reset, or a bad frame). */
  get failed(): boolean {
    return this.failure !== undefined;
  }

  private failAll(err: Error): void {
    this.failure ??= err;
    for (const waiter of this.pending.values()) waiter.reject(err);
    this.pending.clear();
  }

  /**
   * ApiVersions at our highest version; a broker that does not know it answers in v0 with
   * UNSUPPORTED_VERSION (Kafka's rule), and we retry at v0.
   */
  private async negotiate(): Promise<void> {
    const ours = ApiVersionsApi.versions.max;
    let response = await this.send(ApiVersionsApi, ours, {
      clientSoftwareName: 'kiln-cli',
      clientSoftwareVersion: '1',
    });
    if (response.errorCode === ErrorCode.UNSUPPORTED_VERSION)
      response = await this.send(ApiVersionsApi, 0, {});
    checkError(response.errorCode, 'ApiVersions');
    for (const entry of response.apiKeys) {
      const api = apiSchema(entry.apiKey);
      if (!api) continue;
      const version = Math.min(api.versions.max, entry.maxVersion);
      if (version >= Math.max(api.versions.min, entry.minVersion)) this.versions.set(entry.apiKey, version);
    }
  }

  /** The version used for `apiKey` on this connection. */
  version(apiKey: number): number {
    const version = this.versions.get(apiKey);
    if (version === undefined) {
      throw new Error(
        `the broker supports no version of ${apiSchema(apiKey)?.name ?? apiKey} that kiln speaks`,
      );
    }
    return version;
  }

  /**
   * Sends a request of `api` at the negotiated version and resolves with the decoded response,
   * both typed from the API's schema: a misspelt or missing request field does not compile, at any
   * depth (Exact). The form with a bare API key is untyped, for tests that send what no schema
   * type allows.
   */
  request<A extends ApiDef, R extends RequestToSend<A>>(
    api: A,
    body: R & Exact<R, RequestToSend<A>>,
  ): Promise<ResponseReceived<A>>;
  request(apiKey: number, body: Message): Promise<Message>;
  request(which: ApiDef | number, body: Message): Promise<unknown> {
    const api = typeof which === 'number' ? apiSchema(which) : which;
    if (!api) return Promise.reject(new Error(`API key ${String(which)} is not one Kiln describes`));
    return this.send(api, this.version(api.key), body);
  }

  /** Sends a request at the negotiated version and resolves with the raw response frame. */
  requestRaw<A extends ApiDef, R extends RequestToSend<A>>(
    api: A,
    body: R & Exact<R, RequestToSend<A>>,
  ): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      const id = this.write(api, this.version(api.key), body);
      this.pending.set(id, { resolve, reject });
    });
  }

  /** Sends a request that gets no response (Produce with acks=0). */
  requestNoResponse<A extends ApiDef, R extends RequestToSend<A>>(
    api: A,
    body: R & Exact<R, RequestToSend<A>>,
  ): void {
    this.write(api, this.version(api.key), body);
  }

  private write(api: ApiDef, version: number, body: Message): number {
    const apiKey = api.key;
    const flexible = inRange(version, api.flexible);
    const writer = new ProtocolWriter({ sizePrefix: true });
    const correlationId = this.nextCorrelationId();
    writer.int16(apiKey).int16(version).int32(correlationId).string(this.clientId);
    if (flexible) writer.unsignedVarint(0);
    encodeMessage(api.request, version, flexible, body, writer);
    this.writeFrame(writer.toBuffers());
    return correlationId;
  }

  private async send<A extends ApiDef>(api: A, version: number, body: Message): Promise<ResponseReceived<A>> {
    const frame = await new Promise<Buffer>((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      const id = this.write(api, version, body);
      this.pending.set(id, { resolve, reject });
    });
    return this.decodeResponse(api, version, frame);
  }

  /** The correlation id for the next request; for callers that encode their own frames. */
  nextCorrelationId(): number {
    this.correlation = (this.correlation + 1) | 0;
    return this.correlation;
  }

  /**
   * Writes one request frame the caller encoded (size prefix included, header carrying
   * `correlationId`) and resolves with the raw response frame, which starts at the correlation id.
   * `onWritten` runs once the bytes are handed to the kernel, so buffers can then be reused.
   */
  requestFrame(correlationId: number, buffers: readonly Buffer[], onWritten?: () => void): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      this.pending.set(correlationId, { resolve, reject });
      this.writeFrame(buffers, onWritten);
    });
  }

  /**
   * Writes a frame that gets no response (Produce with acks=0). `onWritten` gets the socket's
   * error, if any, once the bytes are written or the write failed.
   */
  writeFrame(buffers: readonly Buffer[], onWritten?: (err?: Error | null) => void): void {
    if (this.failure) {
      if (onWritten) queueMicrotask(() => onWritten(this.failure));
      return;
    }
    // Corked, the frame's buffers leave in one writev.
    this.socket.cork();
    const last = buffers.length - 1;
    for (let i = 0; i < last; i++) this.socket.write(buffers[i]!);
    if (last >= 0) this.socket.write(buffers[last]!, onWritten);
    else if (onWritten) queueMicrotask(() => onWritten());
    this.socket.uncork();
  }

  /** Decodes a raw response frame (as requestFrame resolves it) of an API at `version`. */
  decodeResponse<A extends ApiDef>(api: A, version: number, frame: Buffer): ResponseReceived<A>;
  decodeResponse(apiKey: number, version: number, frame: Buffer): Message;
  decodeResponse(which: ApiDef | number, version: number, frame: Buffer): unknown {
    const api = typeof which === 'number' ? apiSchema(which)! : which;
    const apiKey = api.key;
    const flexible = inRange(version, api.flexible);
    const reader = new ProtocolReader(frame);
    reader.int32();
    // ApiVersions responses always use header v0, whatever the request version.
    if (flexible && apiKey !== API_VERSIONS_KEY) skipHeaderTaggedFields(reader);
    return decodeMessage(api.response, version, flexible, reader);
  }

  /** Ends the connection after what was written is flushed (acks=0 produces get no answer). */
  close(): void {
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }
}
