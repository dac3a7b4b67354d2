/**
 * Worker entry for the codec pool: one compression or decompression per task. The result's bytes
 * are transferred back; typed engine errors come back as CodecFailure values (see worker-pool.ts).
 */
import { move } from 'piscina';
import { CorruptRecordError, UnknownCodecError } from '../errors.js';
import { compressSync, decompressSync } from '../record/compression.js';
import type { CodecFailure, CodecTask } from './worker-pool.js';
import { transferableBytes } from './worker-pool.js';

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
  // Libraries return fresh Buffers, usually owning their whole store: hand that over uncopied.
  return move(transferableBytes(output, output !== input)) as ArrayBuffer;
}
