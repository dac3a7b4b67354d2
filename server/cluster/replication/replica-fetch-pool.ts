/**
 * The replica fetch pool: the worker threads that do followers' round trips to leaders
 * (fetch-worker.ts), a piscina pool like the engine's codec pool. A fetch mostly waits on the
 * network (a leader holds it up to replica.fetch.wait.max.ms), so several share a thread.
 *
 * Round trips go through sessions: a session is one long piscina task holding a MessagePort,
 * and each round trip is a message each way on it, which costs a fraction of a task per round
 * trip. There are as many sessions as the pool has threads at most (each task holds one of a
 * thread's FETCHES_PER_THREAD places, so they can never run out of places and wait unstarted),
 * and a leader's round trips always go through the same one, where its connection lives. A
 * session that fails (its worker died, the pool was destroyed at a broker's stop) fails what it
 * carried and is opened again on the next round trip; one unused for SESSION_IDLE_MS ends. A
 * round trip the worker has not answered by its deadline (plus a grace) fails here too.
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { getWorkerPool, poolThreads } from '../../../engine/index.js';
import type { EpochsAnswer, FetchAnswer, FetchTask, SessionReply, SessionRequest } from './fetch-worker.js';

/** Fetches waiting on leaders that one thread carries at once (each session takes one place). */
const FETCHES_PER_THREAD = 16;
/** A session without a round trip for this long ends. */
const SESSION_IDLE_MS = 60_000;
/** How long past its own deadline a round trip may go unanswered by the worker. */
const ANSWER_GRACE_MS = 5_000;

type Answer = FetchAnswer | EpochsAnswer;

class FetchSession {
  private readonly port: MessagePort;
  private readonly waiting = new Map<number, { resolve: (a: Answer) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private lastUsed = Date.now();
  private readonly idleTimer: NodeJS.Timeout;
  ended = false;

  constructor(private readonly onEnd: () => void) {
    const pool = getWorkerPool('fetch-worker', import.meta.url, {
      concurrentTasksPerWorker: FETCHES_PER_THREAD,
    });
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    port1.on('message', (reply: SessionReply) => {
      const waiter = this.waiting.get(reply.id);
      if (!waiter) return; // its fetcher gave up on it
      this.waiting.delete(reply.id);
      if (reply.error !== undefined) waiter.reject(new Error(reply.error));
      else waiter.resolve(reply.answer);
    });
    // Only a round trip in flight keeps the process alive (its caller waits on it).
    port1.unref();
    pool.run({ kind: 'session', port: port2 }, { transferList: [port2] }).then(
      () => this.end(new Error('the replica fetch session ended')),
      (err: unknown) => this.end(err instanceof Error ? err : new Error(String(err))),
    );
    this.idleTimer = setInterval(() => {
      if (this.waiting.size === 0 && Date.now() - this.lastUsed >= SESSION_IDLE_MS) this.close();
    }, SESSION_IDLE_MS / 2);
    this.idleTimer.unref();
  }

  run(task: FetchTask): Promise<Answer> {
    this.lastUsed = Date.now();
    const id = this.nextId++;
    return new Promise<Answer>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      if (task.deadlineMs !== undefined) {
        timer = setTimeout(() => {
          if (!this.waiting.delete(id)) return;
          reject(new Error(`the replica fetch worker did not answer within ${task.deadlineMs} ms`));
          // The worker keeps its own deadline: one that did not answer is stuck, and every
          // leader of this session with it. The next round trip opens a new session.
          this.close();
        }, task.deadlineMs + ANSWER_GRACE_MS);
        timer.unref();
      }
      const settled = (): void => clearTimeout(timer);
      this.waiting.set(id, {
        resolve: (a) => (settled(), resolve(a)),
        reject: (e) => (settled(), reject(e)),
      });
      const returned = task.kind === 'fetch' ? task.returned : undefined;
      this.port.postMessage({ id, task } satisfies SessionRequest, returned ? [returned] : []);
    });
  }

  /** Ends the session (the worker's task ends when its port closes). */
  close(): void {
    if (this.ended) return;
    this.port.postMessage(null satisfies SessionRequest);
    this.end(new Error('the replica fetch session was closed'));
  }

  private end(err: Error): void {
    if (!this.ended) {
      this.ended = true;
      clearInterval(this.idleTimer);
      this.port.close();
      this.onEnd();
    }
    for (const waiter of this.waiting.values()) waiter.reject(err);
    this.waiting.clear();
  }
}

const sessions = new Map<number, FetchSession>();

/** Which session carries a leader's round trips: the same one each time (its connection is there). */
function sessionSlot(key: string): number {
  let hash = 0;
  for (let i = 0; i < key.length; i++) hash = (hash * 31 + key.charCodeAt(i)) | 0;
  return Math.abs(hash) % poolThreads();
}

/** Runs a round trip on its leader's session (opened on first use). */
export function runFetchTask(task: FetchTask): Promise<Answer> {
  const slot = sessionSlot(`${task.host}:${task.port}:${task.clientId}`);
  let session = sessions.get(slot);
  if (!session || session.ended) {
    const opened: FetchSession = new FetchSession(() => {
      if (sessions.get(slot) === opened) sessions.delete(slot);
    });
    sessions.set(slot, (session = opened));
  }
  return session.run(task);
}
