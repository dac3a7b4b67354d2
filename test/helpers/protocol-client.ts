// A minimal Kafka protocol client for tests: sends one request (any API, any version, encoded by
// Kiln's own codec) over a fresh or reused TCP connection and decodes the response. Lets handler
// tests speak the wire protocol exactly, including versions no installed client uses.
import net from 'node:net';
import { decodeMessage, encodeMessage, type Message } from '../../server/protocol/codec.js';
import { apiSchema } from '../../server/protocol/apis/index.js';
import { API_VERSIONS_KEY, skipHeaderTaggedFields } from '../../server/protocol/headers.js';
import { ProtocolReader } from '../../server/protocol/reader.js';
import { inRange } from '../../server/protocol/schema.js';
import { ProtocolWriter } from '../../server/protocol/writer.js';

export class ProtocolClient {
  private buffered = Buffer.alloc(0);
  private waiting: ((frame: Buffer) => void)[] = [];
  private correlation = 0;
  readonly closed: Promise<void>;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      while (this.buffered.length >= 4 && this.buffered.length >= 4 + this.buffered.readInt32BE(0)) {
        const size = this.buffered.readInt32BE(0);
        const frame = this.buffered.subarray(4, 4 + size);
        this.buffered = this.buffered.subarray(4 + size);
        this.waiting.shift()?.(frame);
      }
    });
    this.closed = new Promise((resolve) => socket.on('close', () => resolve()));
    socket.on('error', () => {});
  }

  static connect(bootstrap: string): Promise<ProtocolClient> {
    const [host, port] = bootstrap.split(':');
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port: Number(port) }, () => resolve(new ProtocolClient(socket)));
      socket.once('error', reject);
    });
  }

  /** Sends raw bytes (a whole frame, size prefix included, or garbage) as they are. */
  sendRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** The next response frame (without its size prefix). */
  nextFrame(): Promise<Buffer> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Encodes and sends a request; resolves with the decoded response body. */
  async request(apiKey: number, version: number, body: Message, clientId = 'kiln-test'): Promise<Message> {
    const api = apiSchema(apiKey);
    if (!api) throw new Error(`no schema for API ${apiKey}`);
    const flexible = inRange(version, api.flexible);
    const writer = new ProtocolWriter({ sizePrefix: true });
    const correlationId = ++this.correlation;
    writer.int16(apiKey).int16(version).int32(correlationId).string(clientId);
    if (flexible) writer.unsignedVarint(0);
    encodeMessage(api.request, version, flexible, body, writer);
    const response = this.nextFrame();
    for (const buffer of writer.toBuffers()) this.socket.write(buffer);
    const frame = await response;
    const reader = new ProtocolReader(frame);
    if (reader.int32() !== correlationId) throw new Error('response out of order');
    if (flexible && apiKey !== API_VERSIONS_KEY) skipHeaderTaggedFields(reader);
    return decodeMessage(api.response, version, flexible, reader);
  }

  close(): void {
    this.socket.destroy();
  }
}
