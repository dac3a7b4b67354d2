/**
 * The controller's line to one broker: its requests (LeaderAndIsr, UpdateMetadata, StopReplica)
 * go out one at a time, in the order they were queued, over one connection. A request whose
 * connection fails is sent again on a new connection, after a back-off, until it is answered or
 * the channel is closed (the broker left the cluster, or this broker stopped being the
 * controller): a broker must not miss a state change because of a dropped connection, and must
 * not see two changes out of order.
 */
import { Connection } from '../../client/connection.js';
import { BrokerConnectionError } from '../../client/errors.js';
import type { Exact, RequestToSend, ResponseReceived } from '../../protocol/message-types.js';
import type { ApiDef } from '../../protocol/schema.js';

export interface BrokerEndpoint {
  host: string;
  port: number;
}

export interface BrokerChannelOptions {
  /** The client id the controller's requests carry. */
  clientId: string;
  /** Wait between a failed attempt and the next one (Kafka's retry back-off for these is short). */
  retryBackoffMs?: number;
  log?: (message: string) => void;
  /** How a connection is opened (tests replace it). */
  open?: (endpoint: BrokerEndpoint, clientId: string) => Promise<Connection>;
}

/** The channel was closed before the request was answered. */
export class ChannelClosedError extends Error {
  constructor(brokerId: number) {
    super(`the controller's channel to broker ${brokerId} is closed`);
    this.name = 'ChannelClosedError';
  }
}

interface Queued {
  send: (connection: Connection) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

export class BrokerChannel {
  private readonly queue: Queued[] = [];
  private connection: Connection | undefined;
  private running = false;
  private closed = false;
  private wake: (() => void) | undefined;

  constructor(
    readonly brokerId: number,
    private endpoint: BrokerEndpoint,
    private readonly options: BrokerChannelOptions,
  ) {}

  /** Requests queued or in flight. */
  get pending(): number {
    return this.queue.length;
  }

  /** Queues a request; resolves with its answer once the broker has given one. */
  send<A extends ApiDef, R extends RequestToSend<A>>(
    api: A,
    body: R & Exact<R, RequestToSend<A>>,
  ): Promise<ResponseReceived<A>> {
    if (this.closed) return Promise.reject(new ChannelClosedError(this.brokerId));
    return new Promise((resolve, reject) => {
      this.queue.push({
        // Typed at this call (send), so the untyped form by key is safe here.
        send: (connection) => connection.request(api.key, body),
        resolve: resolve as (value: unknown) => void,
        reject,
      });
      void this.run();
    });
  }

  /** The broker registered again at another address: reconnect there. */
  moveTo(endpoint: BrokerEndpoint): void {
    if (endpoint.host === this.endpoint.host && endpoint.port === this.endpoint.port) return;
    this.endpoint = endpoint;
    this.connection?.close();
    this.connection = undefined;
  }

  /** Fails what is queued with ChannelClosedError and drops the connection. */
  close(): void {
    this.closed = true;
    this.connection?.close();
    this.connection = undefined;
    for (const q of this.queue.splice(0)) q.reject(new ChannelClosedError(this.brokerId));
    this.wake?.();
  }

  private async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (!this.closed && this.queue.length > 0) {
        const next = this.queue[0]!;
        try {
          const connection = await this.connect();
          const answer = await next.send(connection);
          if (this.queue[0] === next) this.queue.shift();
          next.resolve(answer);
        } catch (err) {
          if (this.closed) break;
          if (!(err instanceof BrokerConnectionError) && !isConnectionLoss(err)) {
            // An answer that cannot be decoded, or a request Kiln cannot encode: retrying would not help.
            if (this.queue[0] === next) this.queue.shift();
            next.reject(err as Error);
            continue;
          }
          this.options.log?.(
            `controller request to broker ${this.brokerId} failed (${(err as Error).message}); retrying`,
          );
          this.connection?.close();
          this.connection = undefined;
          await this.pause(this.options.retryBackoffMs ?? 100);
        }
      }
    } finally {
      this.running = false;
    }
  }

  private async connect(): Promise<Connection> {
    if (this.connection) return this.connection;
    const open = this.options.open ?? ((e, id) => Connection.open(e.host, e.port, id, 5_000));
    const connection = await open(this.endpoint, this.options.clientId);
    if (this.closed) {
      // Closed while connecting: nothing more goes out, and the socket must not linger.
      connection.close();
      throw new ChannelClosedError(this.brokerId);
    }
    this.connection = connection;
    return connection;
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }
}

/** A socket-level failure of a request on an open connection (the broker went away mid-request). */
function isConnectionLoss(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return (
    typeof code === 'string' &&
    ['ECONNRESET', 'EPIPE', 'ECONNREFUSED', 'ETIMEDOUT', 'ERR_STREAM_DESTROYED'].includes(code)
  );
}
