/**
 * The engine's piscina pools: created on first use, one per worker entry file, sized from the
 * machine's parallelism, destroyed together by destroyWorkerPools() at shutdown (and by tests, so
 * no threads outlive them).
 *
 * Each pool's worker entry lives with its concept (engine/record/codec-worker.ts,
 * engine/cleaner/cleaner-worker.ts) and is named relative to the module that runs it, with that
 * module's own extension: `.js` when compiled, `.ts` when the engine runs from source (vitest, tsx). A worker thread cannot load TypeScript by
 * itself, so a `.ts` entry gets tsx through `--import`. Not `--import tsx` itself: on Node 20
 * tsx's loader entry declines to register its hooks off the main thread (it only does so on
 * Node versions where it trusts module.register in workers), yet calling its register() API from
 * the worker works, so the preload is a one-line module that does exactly that.
 *
 * Bytes cross threads as transferred ArrayBuffers of exactly the payload: structured-cloning a
 * Buffer would copy its whole backing store (an 8 KiB pool slab, or the entire request a batch was
 * sliced from), and transferring a Buffer's own store would detach memory other Buffers share.
 */
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';

/** Upper bound on threads per pool; the event loop and the other pools need cores too. */
export const MAX_POOL_THREADS = 4;
/** Idle workers exit after this long, so a quiet broker holds no threads. */
const IDLE_TIMEOUT_MS = 30_000;

const pools = new Map<string, Piscina>();

/** Threads per pool: the machine's parallelism, at least 1 and at most MAX_POOL_THREADS. */
export function poolThreads(): number {
  return Math.max(1, Math.min(MAX_POOL_THREADS, availableParallelism()));
}

let reportPoolError = (name: string, err: Error): void =>
  process.emitWarning(`worker pool ${name}: ${err.message}`, 'KilnWorkerPoolWarning');

/** Where errors of a pool's workers outside any task go (the broker's log); a process warning by default. */
export function onWorkerPoolError(report: (name: string, err: Error) => void): void {
  reportPoolError = report;
}

/**
 * The pool running worker entry `name`, a file beside the module at `besides` (pass that module's
 * import.meta.url), created on first use. `concurrentTasksPerWorker` lets tasks that mostly wait
 * (network round trips) share a thread.
 */
export function getWorkerPool(
  name: string,
  besides: string,
  options: { concurrentTasksPerWorker?: number } = {},
): Piscina {
  let pool = pools.get(name);
  if (pool) return pool;
  const ext = new URL(besides).pathname.endsWith('.ts') ? '.ts' : '.js';
  const filename = new URL(`./${name}${ext}`, besides).href;
  // Compiled, a worker inherits the process's flags as Node passes them on (left undefined):
  // handed over explicitly, flags a worker cannot take (--trace-gc, --title, ...) would make
  // every worker fail to start, and with it replication or compression.
  const execArgv = ext === '.ts' ? [...process.execArgv, '--import', tsxPreload()] : undefined;
  const threads = poolThreads();
  pool = new Piscina({
    filename,
    execArgv,
    minThreads: 0,
    maxThreads: threads,
    idleTimeout: IDLE_TIMEOUT_MS,
    // Tasks that mostly wait on the network (replica fetches) share a thread; CPU-bound ones do not.
    concurrentTasksPerWorker: options.concurrentTasksPerWorker ?? 1,
  });
  // A worker that fails outside any task (piscina has no caller to reject then) is an 'error'
  // event; unheard, it would end the process. The pool replaces the worker; report it and go on.
  pool.on('error', (err: Error) => reportPoolError(name, err));
  pools.set(name, pool);
  return pool;
}

/**
 * A preload that registers tsx's ESM hooks in the worker. tsx is resolved from here, so it works
 * whatever the working directory; it is a devDependency, needed only when running from source.
 */
function tsxPreload(): string {
  const api = import.meta.resolve('tsx/esm/api');
  return `data:text/javascript,import{register}from${JSON.stringify(api)};register();`;
}

/** Destroys every pool; running tasks are rejected. Safe to call twice. */
export async function destroyWorkerPools(): Promise<void> {
  const all = [...pools.values()];
  pools.clear();
  await Promise.all(all.map((pool) => pool.destroy()));
}

/** Each pool's tasks waiting for a thread, its threads and tasks done so far (for metrics). */
export function workerPoolStats(): { name: string; queued: number; threads: number; completed: number }[] {
  return [...pools].map(([name, pool]) => ({
    name,
    queued: pool.queueSize,
    threads: pool.threads.length,
    completed: pool.completed,
  }));
}

/** Number of live worker threads across all pools (for tests and metrics). */
export function workerThreadCount(): number {
  let count = 0;
  for (const pool of pools.values()) count += pool.threads.length;
  return count;
}

/**
 * An ArrayBuffer holding exactly `buf`'s bytes that the caller may transfer. When `owned` is true
 * and `buf` already spans its whole, unshared store, that store is returned without a copy (the
 * caller gives `buf` up); otherwise the bytes are copied once.
 */
export function transferableBytes(buf: Uint8Array, owned = false): ArrayBuffer {
  const store = buf.buffer;
  if (owned && store instanceof ArrayBuffer && buf.byteOffset === 0 && buf.byteLength === store.byteLength) {
    return store;
  }
  const copy = new Uint8Array(buf.byteLength);
  copy.set(buf);
  return copy.buffer;
}
