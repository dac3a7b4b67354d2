/**
 * The broker's ZooKeeper session: node-zookeeper-client behind promises, typed results and errors,
 * and a session that outlives expiry.
 *
 * `ZkClient.connect` tries `zookeeper.connect` until a session is established or
 * `zookeeper.connection.timeout.ms` passes, then fails with a message naming the property; a
 * chroot in it (host:port/kiln) is created first if it does not exist. Once
 * connected, a lost connection is re-established by the library (operations wait for it and are
 * sent again: see `retrying`); an expired
 * session (ZooKeeper gave up on us: our ephemeral nodes and watches are gone) is replaced by a new
 * one, retried until it connects, and every `onNewSession` callback runs so its owner can
 * re-register what the old session held. `onExpired` callbacks run first, at once, so an owner
 * can stop acting on what it no longer holds (a controller, a broker's registration).
 *
 * Watches are one-shot, as in ZooKeeper: a callback fires at most once, and not at all after the
 * session that set it has expired. A connection that goes silent is dropped and made again
 * (zk-connection-watchdog.ts: node-zookeeper-client would wait on it forever).
 */
import zookeeper, { type Client, type Event, type Stat, type Transaction } from 'node-zookeeper-client';
import { closeClient, watchConnection } from './zk-connection-watchdog.js';

/** ZooKeeper's error names the broker acts on; any other comes through as its own name. */
export type ZkCode =
  | 'NODE_EXISTS'
  | 'NO_NODE'
  | 'BAD_VERSION'
  | 'NOT_EMPTY'
  | 'CONNECTION_LOSS'
  | 'SESSION_EXPIRED'
  | 'OPERATION_TIMEOUT'
  | (string & {});

export class ZkError extends Error {
  constructor(
    readonly code: ZkCode,
    readonly path: string,
    message?: string,
  ) {
    super(message ?? `ZooKeeper ${code} on ${path}`);
    this.name = 'ZkError';
  }
}

/** ZooKeeper could not be reached in time (the start of a cluster broker fails with this). */
export class ZkConnectError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ZkConnectError';
  }
}

export interface ZNode {
  data: Buffer;
  version: number;
  /** The session id (16 hex digits) owning this node if it is ephemeral, else undefined. */
  ephemeralOwner: string | undefined;
  /** The transaction id that created the node (a broker's epoch is its registration's). */
  czxid: number;
}

export type CreateMode = 'persistent' | 'ephemeral' | 'persistent_sequential' | 'ephemeral_sequential';

/** One operation of an atomic multi(): all of them apply, or none does. */
export type ZkOp =
  | { op: 'create'; path: string; data: Buffer; mode?: CreateMode }
  | { op: 'set'; path: string; data: Buffer; version: number }
  | { op: 'check'; path: string; version: number }
  | { op: 'delete'; path: string; version?: number };

export interface ZkClientOptions {
  sessionTimeoutMs: number;
  connectionTimeoutMs: number;
  /** Warnings and state changes, in words. */
  log?: (message: string) => void;
}

const MODES: Record<CreateMode, number> = {
  persistent: zookeeper.CreateMode.PERSISTENT,
  ephemeral: zookeeper.CreateMode.EPHEMERAL,
  persistent_sequential: zookeeper.CreateMode.PERSISTENT_SEQUENTIAL,
  ephemeral_sequential: zookeeper.CreateMode.EPHEMERAL_SEQUENTIAL,
};

const NO_OWNER = '0000000000000000';

export class ZkClient {
  private client: Client;
  private closed = false;
  private readonly expiredSessions: string[] = [];
  private readonly expiredCallbacks: (() => void)[] = [];
  private readonly newSessionCallbacks: (() => void | Promise<void>)[] = [];

  private constructor(
    readonly connectString: string,
    private readonly options: ZkClientOptions,
    client: Client,
  ) {
    this.client = client;
    this.watchExpiry(client);
  }

  /** A connected session, or ZkConnectError once connectionTimeoutMs has passed without one. */
  static async connect(connectString: string, options: ZkClientOptions): Promise<ZkClient> {
    const slash = connectString.indexOf('/');
    if (slash >= 0) {
      // The chroot (host:port/kiln) must exist before a session rooted there can create anything.
      const root = new ZkClient(
        connectString.slice(0, slash),
        options,
        await openSession(connectString.slice(0, slash), options),
      );
      try {
        await root.ensurePath(connectString.slice(slash));
      } finally {
        root.close();
      }
    }
    const client = await openSession(connectString, options);
    return new ZkClient(connectString, options, client);
  }

  /** This session's id, 16 hex digits (what ephemeral nodes record as their owner). */
  get sessionId(): string {
    return this.client.getSessionId().toString('hex');
  }

  /** Whether `sessionId` is one of this client's earlier, expired sessions. */
  wasOwnSession(sessionId: string | undefined): boolean {
    return sessionId !== undefined && this.expiredSessions.includes(sessionId);
  }

  /** Whether the session is connected to a server now (requests would be answered at once). */
  get isConnected(): boolean {
    return this.client.getState() === zookeeper.State.SYNC_CONNECTED;
  }

  /** The session timeout ZooKeeper granted (it may differ from the one asked for). */
  get sessionTimeoutMs(): number {
    return this.client.getSessionTimeout();
  }

  /** Runs at once when the session expires, before a new one is sought. */
  onExpired(callback: () => void): void {
    this.expiredCallbacks.push(callback);
  }

  /** Runs, in order, each time a new session replaces an expired one. */
  onNewSession(callback: () => void | Promise<void>): void {
    this.newSessionCallbacks.push(callback);
  }

  /*
   * Every operation is retried while the connection is lost (CONNECTION_LOSS: the library sends
   * it again once connected, on the same session or a new one), until it is answered or the
   * client is closed: a watch that was never set, or a registration that was never written, would
   * leave the broker deaf or absent for good. Callers get the answer, or ZooKeeper's own error.
   */
  get(path: string, watch?: (event: Event) => void): Promise<ZNode | null> {
    return this.retrying(() => this.getOnce(path, watch));
  }

  children(path: string, watch?: (event: Event) => void): Promise<string[] | null> {
    return this.retrying(() => this.childrenOnce(path, watch));
  }

  exists(path: string, watch?: (event: Event) => void): Promise<boolean> {
    return this.retrying(() => this.existsOnce(path, watch));
  }

  create(path: string, data: Buffer, mode: CreateMode = 'persistent'): Promise<string> {
    return this.retrying(() => this.createOnce(path, data, mode));
  }

  set(path: string, data: Buffer, version: number): Promise<number> {
    return this.retrying(() => this.setOnce(path, data, version));
  }

  delete(path: string, version = -1): Promise<void> {
    return this.retrying(() => this.deleteOnce(path, version));
  }

  multi(ops: ZkOp[]): Promise<void> {
    return this.retrying(() => this.multiOnce(ops));
  }

  private async retrying<T>(operation: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await operation();
      } catch (err) {
        const lost =
          err instanceof ZkError && (err.code === 'CONNECTION_LOSS' || err.code === 'OPERATION_TIMEOUT');
        if (!lost || this.closed) throw err;
        await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 25 * 2 ** attempt)));
      }
    }
  }

  /** Whether close() was called. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** The node's data and version, or null if there is none. `watch` fires once on its next change. */
  private getOnce(path: string, watch?: (event: Event) => void): Promise<ZNode | null> {
    return new Promise((resolve, reject) => {
      const done = (err: unknown, data: Buffer | undefined, stat: Stat | undefined): void => {
        if (isCode(err, 'NO_NODE')) resolve(null);
        else if (err) reject(toZkError(err, path));
        else
          resolve({
            data: data ?? Buffer.alloc(0),
            version: stat!.version,
            ephemeralOwner: owner(stat!),
            czxid: Number(stat!.czxid.readBigInt64BE(0)),
          });
      };
      if (watch) this.client.getData(path, watch, done);
      else this.client.getData(path, done);
    });
  }

  /** The node's children (names, not paths), or null if it does not exist. */
  private childrenOnce(path: string, watch?: (event: Event) => void): Promise<string[] | null> {
    return new Promise((resolve, reject) => {
      const done = (err: unknown, children: string[] | undefined): void => {
        if (isCode(err, 'NO_NODE')) resolve(null);
        else if (err) reject(toZkError(err, path));
        else resolve(children ?? []);
      };
      if (watch) this.client.getChildren(path, watch, done);
      else this.client.getChildren(path, done);
    });
  }

  /** Whether the node exists; `watch` fires once when it is created, changed or deleted. */
  private existsOnce(path: string, watch?: (event: Event) => void): Promise<boolean> {
    return new Promise((resolve, reject) => {
      const done = (err: unknown, stat: Stat | undefined): void => {
        if (err) reject(toZkError(err, path));
        else resolve(stat !== undefined && stat !== null);
      };
      if (watch) this.client.exists(path, watch, done);
      else this.client.exists(path, done);
    });
  }

  /** Creates the node (ZkError NODE_EXISTS if it is there, NO_NODE if its parent is not); returns its path. */
  private createOnce(path: string, data: Buffer, mode: CreateMode = 'persistent'): Promise<string> {
    return new Promise((resolve, reject) => {
      this.client.create(path, data, MODES[mode], (err, created) => {
        if (err) reject(toZkError(err, path));
        else resolve(created);
      });
    });
  }

  /** Creates the persistent node and any missing parents, empty; nothing if it exists. */
  async ensurePath(path: string): Promise<void> {
    let at = '';
    for (const part of path.split('/').slice(1)) {
      at += `/${part}`;
      try {
        await this.create(at, Buffer.alloc(0));
      } catch (err) {
        if (!(err instanceof ZkError && err.code === 'NODE_EXISTS')) throw err;
      }
    }
  }

  /** Replaces the node's data if its version is still `version` (-1: any); returns the new version. */
  private setOnce(path: string, data: Buffer, version: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.client.setData(path, data, version, (err, stat) => {
        if (err) reject(toZkError(err, path));
        else resolve(stat.version);
      });
    });
  }

  /** Deletes the node if its version is still `version` (-1: any). */
  private deleteOnce(path: string, version = -1): Promise<void> {
    return new Promise((resolve, reject) => {
      this.client.remove(path, version, (err) => {
        if (err) reject(toZkError(err, path));
        else resolve();
      });
    });
  }

  /** Applies every operation or none; a failure names the first operation that failed. */
  private multiOnce(ops: ZkOp[]): Promise<void> {
    const tx = this.client.transaction();
    for (const o of ops) {
      if (o.op === 'create') tx.create(o.path, o.data, MODES[o.mode ?? 'persistent']);
      else if (o.op === 'set') tx.setData(o.path, o.data, o.version);
      else if (o.op === 'check') tx.check(o.path, o.version);
      else tx.remove(o.path, o.version ?? -1);
      if (o.op !== 'create' && o.version === 0) keepVersionZero(tx);
    }
    return new Promise((resolve, reject) => {
      tx.commit((err, results: unknown) => {
        if (!err) return resolve();
        const failed = failedOp(results, ops);
        reject(toZkError(err, failed?.path ?? ops[0]?.path ?? '/'));
      });
    });
  }

  /** Ends the session (its ephemeral nodes go at once). */
  close(): void {
    this.closed = true;
    closeClient(this.client);
  }

  private watchExpiry(client: Client): void {
    client.once('expired', () => {
      if (this.closed || client !== this.client) return;
      const id = client.getSessionId().toString('hex');
      this.expiredSessions.push(id);
      this.options.log?.(`ZooKeeper session ${id} expired`);
      for (const callback of this.expiredCallbacks) callback();
      closeClient(client);
      void this.renewSession();
    });
  }

  /** A new session after expiry, tried until it connects or the client is closed. */
  private async renewSession(): Promise<void> {
    while (!this.closed) {
      try {
        const client = await openSession(this.connectString, this.options);
        if (this.closed) {
          closeClient(client);
          return;
        }
        this.client = client;
        this.watchExpiry(client);
        this.options.log?.(`ZooKeeper session ${this.sessionId} established`);
        for (const callback of this.newSessionCallbacks) {
          await Promise.resolve(callback()).catch((err: unknown) =>
            this.options.log?.(`after a new ZooKeeper session: ${(err as Error).message}`),
          );
        }
        return;
      } catch (err) {
        this.options.log?.(`${(err as Error).message}; retrying`);
      }
    }
  }
}

/** Connects a fresh client, or rejects with ZkConnectError after the connection timeout. */
function openSession(connectString: string, options: ZkClientOptions): Promise<Client> {
  const client = zookeeper.createClient(connectString, {
    sessionTimeout: options.sessionTimeoutMs,
    spinDelay: 200,
    retries: 0,
  });
  watchConnection(client, options.log);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      closeClient(client);
      reject(
        new ZkConnectError(
          `could not connect to ZooKeeper at ${connectString} (zookeeper.connect) within ` +
            `${options.connectionTimeoutMs} ms (zookeeper.connection.timeout.ms)`,
        ),
      );
    }, options.connectionTimeoutMs);
    client.once('connected', () => {
      clearTimeout(timer);
      resolve(client);
    });
    client.connect();
  });
}

/**
 * node-zookeeper-client (1.1.3) reads a version of 0 in a transaction's check, setData or remove
 * as "any version" (`version || -1`), which would make the first controller election and every
 * update of a node at version 0 unconditional. This puts the 0 back on the operation just added.
 */
function keepVersionZero(tx: Transaction): void {
  const ops = (tx as unknown as { ops?: { version?: number }[] }).ops;
  const last = Array.isArray(ops) ? ops[ops.length - 1] : undefined;
  if (!last || last.version === undefined) {
    throw new Error('node-zookeeper-client changed: cannot set a transaction version of 0');
  }
  last.version = 0;
}

function owner(stat: Stat): string | undefined {
  const hex = stat.ephemeralOwner.toString('hex');
  return hex === NO_OWNER ? undefined : hex;
}

/** node-zookeeper-client's exception name (NODE_EXISTS, ...) of an error, if it is one. */
function codeOf(err: unknown): string | undefined {
  if (err && typeof err === 'object' && 'getName' in err && typeof err.getName === 'function') {
    return String((err as { getName(): string }).getName());
  }
  return undefined;
}

function isCode(err: unknown, code: ZkCode): boolean {
  return codeOf(err) === code;
}

function toZkError(err: unknown, path: string): ZkError {
  const code = codeOf(err);
  if (code !== undefined) return new ZkError(code, path);
  return new ZkError('CLIENT_ERROR', path, `ZooKeeper client error on ${path}: ${String(err)}`);
}

/** The first operation of a failed multi that ZooKeeper reports an error for. */
function failedOp(results: unknown, ops: ZkOp[]): ZkOp | undefined {
  if (!Array.isArray(results)) return undefined;
  const index = results.findIndex(
    (r: unknown) => r !== null && typeof r === 'object' && 'err' in r && (r as { err: number }).err !== 0,
  );
  return index >= 0 ? ops[index] : undefined;
}
