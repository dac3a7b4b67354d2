/**
 * The engine's piscina pools: created on first use, one per worker entry file, sized from the
 * machine's parallelism, destroyed together by destroyWorkerPools() at shutdown (and by tests, so
 * no threads outlive them).
 *
 * Worker entries are siblings of this module with its own extension: `.js` when compiled, `.ts`
 * when the engine runs from source (vitest, tsx). A worker thread cannot load TypeScript by
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
import { CorruptRecordError, UnknownCodecError } from '../errors.js';
import type { Codec } from '../record/record-batch.js';

/** Upper bound on threads per pool; the event loop and the other pools need cores too. */
export const MAX_POOL_THREADS = 4;
/** Idle workers exit after this long, so a quiet broker holds no threads. */
const IDLE_TIMEOUT_MS = 30_000;

export type CodecOp = 'compress' | 'decompress';

/** What the main thread sends to the codec worker. `data` is transferred, not cloned. */
export interface CodecTask {
  op: CodecOp;
  codec: Codec;
  data: ArrayBuffer;
}

/**
 * A failure reported by the codec worker. Errors thrown across threads lose their class, so the
 * worker returns this instead and the main thread rebuilds the typed error.
 */
export interface CodecFailure {
  failure: 'corrupt' | 'unknown-codec';
  message: string;
}

const CODEC_WORKER = 'codec-worker';

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

/** The extension this module was loaded with: '.ts' from source, '.js' when compiled. */
function ownExtension(): string {
  return new URL(import.meta.url).pathname.endsWith('.ts') ? '.ts' : '.js';
}

/** The pool running worker entry `name` (a file beside this one), created on first use. */
export function getWorkerPool(name: string): Piscina {
  let pool = pools.get(name);
  if (pool) return pool;
  const ext = ownExtension();
  const filename = new URL(`./${name}${ext}`, import.meta.url).href;
  const execArgv = ext === '.ts' ? [...process.execArgv, '--import', tsxPreload()] : process.execArgv;
  const threads = poolThreads();
  pool = new Piscina({
    filename,
    execArgv,
    minThreads: 0,
    maxThreads: threads,
    idleTimeout: IDLE_TIMEOUT_MS,
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

/** Runs one (de)compression in the codec pool; `data` is copied once, the result is not. */
export async function runCodecTask(op: CodecOp, codec: Codec, data: Buffer): Promise<Buffer> {
  const task: CodecTask = { op, codec, data: transferableBytes(data) };
  const result: ArrayBuffer | CodecFailure = await getWorkerPool(CODEC_WORKER).run(task, {
    name: 'codecTask',
    transferList: [task.data],
  });
  if (result instanceof ArrayBuffer) return Buffer.from(result);
  if (result.failure === 'unknown-codec') throw new UnknownCodecError(codec);
  throw new CorruptRecordError(result.message, 0);
}
