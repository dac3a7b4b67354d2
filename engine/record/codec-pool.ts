/**
 * Compression and decompression in the worker pool (the main thread's side; the worker entry is
 * codec-worker.ts). Bytes cross as transferred ArrayBuffers of exactly the payload (see
 * engine/workers/worker-pool.ts); typed engine errors come back as CodecFailure values, since an
 * error thrown across threads loses its class.
 */
import { CorruptRecordError, UnknownCodecError } from '../errors.js';
import { getWorkerPool, transferableBytes } from '../workers/worker-pool.js';
import type { Codec } from './record-batch.js';

export type CodecOp = 'compress' | 'decompress';

/** What the main thread sends to the codec worker. `data` is transferred, not cloned. */
export interface CodecTask {
  op: CodecOp;
  codec: Codec;
  data: ArrayBuffer;
}

/** A failure reported by the codec worker; the main thread rebuilds the typed error. */
export interface CodecFailure {
  failure: 'corrupt' | 'unknown-codec';
  message: string;
}

export const CODEC_WORKER = 'codec-worker';

/** The codec pool (created on first use). */
export function codecPool(): ReturnType<typeof getWorkerPool> {
  return getWorkerPool(CODEC_WORKER, import.meta.url);
}

/** Runs one (de)compression in the codec pool; `data` is copied once, the result is not. */
export async function runCodecTask(op: CodecOp, codec: Codec, data: Buffer): Promise<Buffer> {
  const task: CodecTask = { op, codec, data: transferableBytes(data) };
  const result: ArrayBuffer | CodecFailure = await codecPool().run(task, {
    name: 'codecTask',
    transferList: [task.data],
  });
  if (result instanceof ArrayBuffer) return Buffer.from(result);
  if (result.failure === 'unknown-codec') throw new UnknownCodecError(codec);
  throw new CorruptRecordError(result.message, 0);
}
