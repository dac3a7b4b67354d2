/**
 * The replica fetchers' worker thread (a piscina pool, replica-fetch-pool.ts): the network side of
 * replication, off the broker's event loop. A request is one round trip to one leader broker:
 *
 * - `fetch`: a Fetch as a follower (replica id set) — sent, its answer read, each partition's
 *   records CRC-checked batch by batch and cut to whole batches. The answer goes back as one
 *   transferred ArrayBuffer (the response frame itself when this thread owns its memory, else one
 *   copy of it) with each partition's records as an offset and length in it: the broker's thread
 *   appends them to the log as they are, without copying them again or checking them again.
 * - `epochs`: an OffsetForLeaderEpoch, for a follower deciding where its log and the leader's
 *   part (follower-truncation.ts).
 *
 * Requests come through a session (the usual way): one piscina task per fetcher that carries a
 * MessagePort and lasts until the port closes. Each message on it is
 * `{ id, task }` (a FetchTask) and is answered `{ id, answer }` or `{ id, error }` (a message),
 * the fetch's ArrayBuffer transferred; a `null` message ends the session. A follower makes a
 * round trip per produce request it follows, and a piscina task each time cost more than the
 * round trip itself (structured clones, async resources, the pool's bookkeeping on both sides).
 * A single FetchTask may still be run as a task of its own.
 *
 * Each thread keeps one connection per leader address, opened on first use and dropped when it
 * fails (the request then fails, and the fetcher backs off and tries again).
 */
import type { MessagePort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { validateBatch } from '../../../engine/record/batch-validate.js';
import { Connection } from '../../client/connection.js';
import { FetchApi } from '../../protocol/apis/fetch.js';
import { OffsetForLeaderEpochApi } from '../../protocol/apis/offset-for-leader-epoch.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import type { RequestToSend, ResponseReceived } from '../../protocol/message-types.js';

export type FetchBody = RequestToSend<typeof FetchApi>;
export type EpochsBody = RequestToSend<typeof OffsetForLeaderEpochApi>;
export type EpochsAnswer = ResponseReceived<typeof OffsetForLeaderEpochApi>;

interface Target {
  host: string;
  port: number;
  clientId: string;
  /** How long the leader may take; then the connection is dropped and the task fails. */
  deadlineMs?: number;
}

export type FetchTask =
  | (Target & {
      kind: 'fetch';
      body: FetchBody;
      /**
       * The store of an earlier answer from the same leader, appended and no longer used,
       * transferred back (on a session) so the connection reads the next answers into it
       * instead of into new memory each time.
       */
      returned?: ArrayBuffer;
    })
  | (Target & { kind: 'epochs'; body: EpochsBody });

/** A session: requests come and go on `port` until a null message or the port closing. */
export interface SessionTask {
  kind: 'session';
  port: MessagePort;
}

/** A request on a session's port (null ends the session). */
export type SessionRequest = { id: number; task: FetchTask } | null;
/** Its answer. */
export type SessionReply =
  | { id: number; answer: FetchAnswer | EpochsAnswer; error?: undefined }
  | { id: number; error: string; answer?: undefined };

/** One partition of a follower's fetch answer; its records are bytes [start, start+length) of the store. */
export interface FetchedPartition {
  topic: string;
  topicId: string;
  partition: number;
  errorCode: number;
  highWatermark: number;
  logStartOffset: number;
  start: number;
  length: number;
}

export interface FetchAnswer {
  errorCode: number;
  /** The response's bytes (null when no partition has records). */
  store: ArrayBuffer | null;
  partitions: FetchedPartition[];
}

const connections = new Map<string, Promise<Connection>>();

function connectionKey(target: Target): string {
  return `${target.host}:${target.port}:${target.clientId}`;
}

function connectionTo(target: Target): Promise<Connection> {
  const key = connectionKey(target);
  let conn = connections.get(key);
  if (!conn) {
    conn = Connection.open(target.host, target.port, target.clientId);
    connections.set(key, conn);
    conn.catch(() => connections.delete(key));
  }
  return conn;
}

function forget(target: Target, conn: Connection | undefined): void {
  connections.delete(connectionKey(target));
  conn?.close();
}

export default async function run(task: FetchTask | SessionTask): Promise<FetchAnswer | EpochsAnswer | void> {
  if (task.kind === 'session') return serve(task.port);
  const answer = await roundTrip(task);
  if (!('store' in answer) || !answer.store) return answer;
  // Piscina transfers what the wrapper lists instead of cloning it.
  return Piscina.move({
    [Piscina.transferableSymbol]: [answer.store],
    [Piscina.valueSymbol]: answer,
  } as never) as unknown as FetchAnswer;
}

/** Answers the requests that come on `port`; resolves when the session ends. */
function serve(port: MessagePort): Promise<void> {
  return new Promise((resolve) => {
    port.on('close', () => resolve());
    port.on('message', (request: SessionRequest) => {
      if (request === null) {
        port.close();
        return;
      }
      const { id, task } = request;
      if (task.kind === 'fetch' && task.returned) {
        const memory = task.returned;
        void connections.get(connectionKey(task))?.then(
          (conn) => conn.giveBack(memory),
          () => {},
        );
      }
      roundTrip(task).then(
        (answer) => {
          const store = 'store' in answer ? answer.store : null;
          port.postMessage({ id, answer } satisfies SessionReply, store ? [store] : []);
        },
        (err: unknown) =>
          port.postMessage({ id, error: (err as Error).message ?? String(err) } satisfies SessionReply),
      );
    });
  });
}

/** One request to a leader, failed when it has not answered within the task's deadline. */
async function roundTrip(task: FetchTask): Promise<FetchAnswer | EpochsAnswer> {
  let conn: Connection | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    const work = (async () => {
      conn = await connectionTo(task);
      if (task.kind === 'epochs') return await conn.request(OffsetForLeaderEpochApi, task.body);
      return await fetch(conn, task.body);
    })();
    if (task.deadlineMs === undefined) return await work;
    work.catch(() => {}); // abandoned when late
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`${task.host}:${task.port} did not answer within ${task.deadlineMs} ms`)),
          task.deadlineMs,
        );
      }),
    ]);
  } catch (err) {
    forget(task, conn);
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

async function fetch(conn: Connection, body: FetchBody): Promise<FetchAnswer> {
  const frame = await conn.requestRaw(FetchApi, body);
  const answer = conn.decodeResponse(FetchApi, conn.version(FetchApi.key), frame);
  const partitions: FetchedPartition[] = [];
  let withRecords = 0;
  for (const topic of answer.responses) {
    for (const p of topic.partitions) {
      const records = p.records;
      let length = 0;
      let errorCode = p.errorCode;
      if (records && records.length > 0 && errorCode === ErrorCode.NONE) {
        const checked = wholeBatches(records);
        length = checked.length;
        if (checked.corrupt && length === 0) errorCode = ErrorCode.CORRUPT_MESSAGE;
      }
      if (length > 0) withRecords++;
      partitions.push({
        topic: topic.topic ?? '',
        topicId: topic.topicId ?? '',
        partition: p.partitionIndex,
        errorCode,
        highWatermark: Number(p.highWatermark),
        logStartOffset: Number(p.logStartOffset),
        start: length > 0 ? records!.byteOffset - frame.byteOffset : 0,
        length,
      });
    }
  }
  if (withRecords === 0) {
    conn.release(frame);
    return { errorCode: answer.errorCode, store: null, partitions };
  }
  // The frame's own memory goes to the broker's thread as it is; a view of a shared read buffer
  // is copied once. Offsets are relative to the frame either way.
  let store: ArrayBuffer;
  if (conn.ownsFrame(frame) && frame.byteOffset === 0 && frame.buffer instanceof ArrayBuffer) {
    store = frame.buffer;
  } else {
    const copy = new Uint8Array(frame.length);
    copy.set(frame);
    store = copy.buffer;
  }
  return { errorCode: answer.errorCode, store, partitions };
}

/**
 * How many leading bytes of `records` are whole, valid batches. A batch cut by the fetch size
 * ends it; a corrupt one ends it too (and is reported: the follower fetches it again).
 */
function wholeBatches(records: Buffer): { length: number; corrupt: boolean } {
  let pos = 0;
  while (pos + 12 <= records.length) {
    const size = records.readInt32BE(pos + 8) + 12;
    if (size < 12 || pos + size > records.length) break;
    try {
      validateBatch(records, pos, pos + size);
    } catch {
      return { length: pos, corrupt: true };
    }
    pos += size;
  }
  return { length: pos, corrupt: false };
}
