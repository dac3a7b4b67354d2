/**
 * Worker entry for the codec pool: one compression or decompression per task. The result's bytes
 * are transferred back; typed engine errors come back as CodecFailure values (see codec-pool.ts).
 *
 * Some libraries (lz4-napi) return Buffers over external memory, which Node 22 and later refuse
 * to transfer ("DataCloneError: Cannot transfer object of unsupported type"); those results are
 * copied once into an ordinary ArrayBuffer. Which codecs do that is learnt on their first result.
 */
import { move } from 'piscina';
import { CorruptRecordError, UnknownCodecError } from '../errors.js';
import { transferableBytes } from '../workers/worker-pool.js';
import type { CodecFailure, CodecTask } from './codec-pool.js';
import { compressSync, decompressSync } from './compression.js';

export function codecTask(task: CodecTask): ArrayBuffer | CodecFailure {
  const input = Buffer.from(task.data);
  let output: Buffer;
  try {
    output = task.op === 'compress' ? compressSync(task.codec, input) : decompressSync(task.codec, input);
  } catch (err) {
    if (err instanceof UnknownCodecError) return { failure: 'unknown-codec', message: err.message };
    if (err instanceof CorruptRecordError) return { failure: 'corrupt', message: err.message };
    throw err;
  }
  return move(ownedBytes(task, output, output !== input)) as ArrayBuffer;
}

/** Codec operations whose results live in external memory, that cannot be transferred. */
const external = new Set<string>();

/**
 * The result as an ArrayBuffer the worker may transfer. Libraries return fresh Buffers, usually
 * owning their whole store: that store is handed over uncopied when it can be transferred.
 */
export function ownedBytes(task: CodecTask, output: Buffer, owned: boolean): ArrayBuffer {
  const kind = `${task.op}:${task.codec}`;
  const bytes = transferableBytes(output, owned && !external.has(kind));
  if (bytes !== output.buffer) return bytes;
  try {
    // Moving the store into a new ArrayBuffer is free, and fails exactly when a transfer would.
    return structuredClone(bytes, { transfer: [bytes] });
  } catch {
    external.add(kind);
    return transferableBytes(output, false);
  }
}
