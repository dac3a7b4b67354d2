/**
 * One TCP connection to one broker: ApiVersions negotiation (per API, the highest version both the
 * broker and Kiln's schemas support), then pipelined requests matched to responses by correlation
 * id, all encoded and decoded by Kiln's own protocol codec.
 */
import net from 'node:net';
import { decodeMessage, encodeMessage, type Message } from '../../server/protocol/codec.js';
import { apiSchema } from '../../server/protocol/apis/index.js';
import { ErrorCode } from '../../server/protocol/error-codes.js';
import { API_VERSIONS_KEY, skipHeaderTaggedFields } from '../../server/protocol/headers.js';
import { ProtocolReader } from '../../server/protocol/reader.js';
import { inRange } from '../../server/protocol/schema.js';
import { ProtocolWriter } from '../../server/protocol/writer.js';
import { checkError } from './errors.js';

type Pending = { resolve: (frame: Buffer) => void; reject: (err: Error) => void };

/** One TCP connection to one broker, with the versions negotiated for it. */
export class Connection {
  private buffered: Buffer = Buffer.alloc(0);
  private readonly pending = new Map<number, Pending>();
  private correlation = 0;
  private readonly versions = new Map<number, number>();

  private constructor(
    private readonly socket: net.Socket,
    private readonly clientId: string,
  ) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.failAll(err));
    socket.on('close', () => this.failAll(new Error('connection closed by the broker')));
  }

  static async open(host: string, port: number, clientId: string): Promise<Connection> {
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect({ host, port }, () => resolve(s));
      s.once('error', reject);
    });
    const conn = new Connection(socket, clientId);
    await conn.negotiate();
    return conn;
  }

  private onData(chunk: Buffer): void {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    while (this.buffered.length >= 4 && this.buffered.length >= 4 + this.buffered.readInt32BE(0)) {
      const size = this.buffered.readInt32BE(0);
      const frame = this.buffered.subarray(4, 4 + size);
      this.buffered = this.buffered.subarray(4 + size);
      const id = frame.readInt32BE(0);
      const waiter = this.pending.get(id);
      this.pending.delete(id);
      waiter?.resolve(frame);
    }
  }

  private failAll(err: Error): void {
    for (const waiter of this.pending.values()) waiter.reject(err);
    this.pending.clear();
  }

  /**
   * ApiVersions at our highest version; a broker that does not know it answers in v0 with
   * UNSUPPORTED_VERSION (Kafka's rule), and we retry at v0.
   */
  private async negotiate(): Promise<void> {
    const ours = apiSchema(API_VERSIONS_KEY)!.versions.max;
    let response = await this.send(API_VERSIONS_KEY, ours, {
      clientSoftwareName: 'kiln-cli',
      clientSoftwareVersion: '1',
    });
    if (response.errorCode === ErrorCode.UNSUPPORTED_VERSION)
      response = await this.send(API_VERSIONS_KEY, 0, {});
    checkError(response.errorCode, 'ApiVersions');
    for (const entry of response.apiKeys as { apiKey: number; minVersion: number; maxVersion: number }[]) {
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

  /** Sends a request at the negotiated version and resolves with the decoded response. */
  request(apiKey: number, body: Message): Promise<Message> {
    return this.send(apiKey, this.version(apiKey), body);
  }

  /** Sends a request that gets no response (Produce with acks=0). */
  requestNoResponse(apiKey: number, body: Message): void {
    this.write(apiKey, this.version(apiKey), body);
  }

  private write(apiKey: number, version: number, body: Message): number {
    const api = apiSchema(apiKey)!;
    const flexible = inRange(version, api.flexible);
    const writer = new ProtocolWriter({ sizePrefix: true });
    const correlationId = ++this.correlation;
    writer.int16(apiKey).int16(version).int32(correlationId).string(this.clientId);
    if (flexible) writer.unsignedVarint(0);
    encodeMessage(api.request, version, flexible, body, writer);
    for (const buffer of writer.toBuffers()) this.socket.write(buffer);
    return correlationId;
  }

  private async send(apiKey: number, version: number, body: Message): Promise<Message> {
    const api = apiSchema(apiKey)!;
    const flexible = inRange(version, api.flexible);
    const frame = await new Promise<Buffer>((resolve, reject) => {
      const id = this.write(apiKey, version, body);
      this.pending.set(id, { resolve, reject });
    });
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
