/**
 * The record-batch codecs, by the batch's codec bits: gzip, snappy, lz4 and zstd, synchronous and
 * (through the worker pool, for big payloads) asynchronous.
 *
 * Wire formats, as Kafka clients write them:
 * - gzip: a gzip member (RFC 1952).
 * - snappy: the Java client writes xerial framing; librdkafka reads and writes it too, and some
 *   writers send one raw snappy block. We read both and write xerial:
 *
 *     0   magic    8 bytes  0x82 'S' 'N' 'A' 'P' 'P' 'Y' 0x00
 *     8   version  int32    1
 *     12  compat   int32    1 (the oldest reader version that can read it)
 *     16  blocks   repeated [int32 BE compressed length][one raw snappy block]
 *
 * - lz4: the LZ4 frame format: magic 0x184D2204 LE, FLG, BD, [content size], HC, blocks, then an
 *   end mark (uint32 0) and, when FLG bit 2 is set, a content checksum. Blocks are independent.
 * - zstd: one or more zstd frames. The Java client's frames carry no content size, so decoding
 *   streams into growing output instead of trusting a size header.
 *
 * Bad input of any kind becomes CorruptRecordError; a codec id outside 0-4 is UnknownCodecError.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { compressFrameSync, decompressFrameSync } from 'lz4-napi';
import { compressSync as snappyCompress, uncompressSync as snappyUncompress } from 'snappy';
import zstd from 'zstd-napi/binding.js';
import { CorruptRecordError, UnknownCodecError } from '../errors.js';
import { runCodecTask } from './codec-pool.js';
import { Codec } from './record-batch.js';

/** Payloads at least this big are (de)compressed in the worker pool by the async functions. */
export const POOL_THRESHOLD_BYTES = 64 * 1024;

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_SIZE = 16;
const XERIAL_VERSION = 1;
const XERIAL_COMPAT = 1;
/** Uncompressed bytes per xerial block; the Java client's default block size. */
const XERIAL_BLOCK_SIZE = 32 * 1024;

/** Output chunk size for streamed zstd decoding, zstd's own recommendation. */
const ZSTD_OUT_CHUNK = zstd.dStreamOutSize();

/** Compresses `data` with `codec`. Codec.None returns `data` itself. */
export function compressSync(codec: Codec, data: Buffer): Buffer {
  switch (codec) {
    case Codec.None:
      return data;
    case Codec.Gzip:
      return gzipSync(data);
    case Codec.Snappy:
      return xerialCompress(data);
    case Codec.Lz4:
      return compressFrameSync(data);
    case Codec.Zstd:
      return zstdCompress(data);
    default:
      throw new UnknownCodecError(codec);
  }
}

/** Decompresses `data` written with `codec`. Codec.None returns `data` itself. */
export function decompressSync(codec: Codec, data: Buffer): Buffer {
  switch (codec) {
    case Codec.None:
      return data;
    case Codec.Gzip:
      return guard('gzip', () => gunzipSync(data));
    case Codec.Snappy:
      return guard('snappy', () => (isXerial(data) ? xerialDecompress(data) : snappyBlock(data)));
    case Codec.Lz4:
      return guard('lz4', () => lz4Decompress(data));
    case Codec.Zstd:
      return guard('zstd', () => zstdDecompress(data));
    default:
      throw new UnknownCodecError(codec);
  }
}

/** Like compressSync, but payloads of POOL_THRESHOLD_BYTES or more go to the worker pool. */
export async function compress(codec: Codec, data: Buffer): Promise<Buffer> {
  if (codec === Codec.None || data.length < POOL_THRESHOLD_BYTES) return compressSync(codec, data);
  if (!isKnownCodec(codec)) throw new UnknownCodecError(codec);
  return runCodecTask('compress', codec, data);
}

/** Like decompressSync, but payloads of POOL_THRESHOLD_BYTES or more go to the worker pool. */
export async function decompress(codec: Codec, data: Buffer): Promise<Buffer> {
  if (codec === Codec.None || data.length < POOL_THRESHOLD_BYTES) return decompressSync(codec, data);
  if (!isKnownCodec(codec)) throw new UnknownCodecError(codec);
  return runCodecTask('decompress', codec, data);
}

function isKnownCodec(codec: number): boolean {
  return codec >= Codec.None && codec <= Codec.Zstd && Number.isInteger(codec);
}

/** Runs a decoder, turning whatever the library throws into CorruptRecordError. */
function guard(name: string, decode: () => Buffer): Buffer {
  try {
    return decode();
  } catch (err) {
    if (err instanceof CorruptRecordError) throw err;
    const reason = err instanceof Error ? err.message : String(err);
    throw new CorruptRecordError(`invalid ${name} data: ${reason}`, 0);
  }
}

function isXerial(data: Buffer): boolean {
  return data.length >= XERIAL_MAGIC.length && data.compare(XERIAL_MAGIC, 0, 8, 0, 8) === 0;
}

function snappyBlock(data: Buffer): Buffer {
  return snappyUncompress(data, { asBuffer: true }) as Buffer;
}

function xerialCompress(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  const header = Buffer.allocUnsafe(XERIAL_HEADER_SIZE);
  XERIAL_MAGIC.copy(header, 0);
  header.writeInt32BE(XERIAL_VERSION, 8);
  header.writeInt32BE(XERIAL_COMPAT, 12);
  parts.push(header);
  let total = XERIAL_HEADER_SIZE;
  for (let pos = 0; pos < data.length; pos += XERIAL_BLOCK_SIZE) {
    const block = snappyCompress(data.subarray(pos, pos + XERIAL_BLOCK_SIZE));
    const length = Buffer.allocUnsafe(4);
    length.writeInt32BE(block.length, 0);
    parts.push(length, block);
    total += 4 + block.length;
  }
  return Buffer.concat(parts, total);
}

function xerialDecompress(data: Buffer): Buffer {
  if (data.length < XERIAL_HEADER_SIZE) {
    throw new CorruptRecordError(`truncated xerial snappy header (${data.length} bytes)`, 0);
  }
  const blocks: Buffer[] = [];
  let total = 0;
  let pos = XERIAL_HEADER_SIZE;
  while (pos < data.length) {
    if (data.length - pos < 4) {
      throw new CorruptRecordError(`truncated xerial snappy block length at byte ${pos}`, 0);
    }
    const length = data.readInt32BE(pos);
    pos += 4;
    if (length < 0 || length > data.length - pos) {
      throw new CorruptRecordError(
        `xerial snappy block of ${length} bytes at byte ${pos} overruns the data`,
        0,
      );
    }
    const block = snappyBlock(data.subarray(pos, pos + length));
    blocks.push(block);
    total += block.length;
    pos += length;
  }
  return blocks.length === 1 ? blocks[0]! : Buffer.concat(blocks, total);
}

/** Magic, FLG, BD, header checksum and end mark: the smallest possible frame. */
const LZ4_MIN_FRAME = 11;
const LZ4_CONTENT_CHECKSUM_FLAG = 0x04;

/**
 * lz4-napi decodes an empty buffer, and a frame cut just before its end mark, as if they were
 * complete; both mean truncated data here.
 */
function lz4Decompress(data: Buffer): Buffer {
  if (data.length < LZ4_MIN_FRAME)
    throw new CorruptRecordError(`truncated lz4 frame (${data.length} bytes)`, 0);
  const trailer = data[4]! & LZ4_CONTENT_CHECKSUM_FLAG ? 8 : 4;
  if (data.readUInt32LE(data.length - trailer) !== 0) {
    throw new CorruptRecordError('lz4 frame has no end mark: truncated', 0);
  }
  return decompressFrameSync(data);
}

let compressContext: InstanceType<typeof zstd.CCtx> | undefined;
let decompressContext: InstanceType<typeof zstd.DCtx> | undefined;

function zstdCompress(data: Buffer): Buffer {
  compressContext ??= new zstd.CCtx();
  const out = Buffer.allocUnsafe(zstd.compressBound(data.length));
  const size = compressContext.compress2(out, data);
  return out.subarray(0, size);
}

/**
 * Streams every frame in `data` through one reused context. The library's one-shot decompress
 * returns empty output for a truncated size-less frame and leaves its shared context mid-frame;
 * here the context is reset per call and an unfinished frame is an error.
 */
function zstdDecompress(data: Buffer): Buffer {
  decompressContext ??= new zstd.DCtx();
  const dctx = decompressContext;
  dctx.reset(zstd.ResetDirective.sessionOnly);
  const chunks: Buffer[] = [];
  let total = 0;
  let input = data;
  let remaining = 1; // zstd's hint: 0 once a frame is fully decoded and flushed
  while (input.length > 0) {
    const chunk = Buffer.allocUnsafe(Math.max(ZSTD_OUT_CHUNK, input.length * 4));
    const [hint, produced, consumed] = dctx.decompressStream(chunk, input);
    if (produced === 0 && consumed === 0) {
      throw new CorruptRecordError('zstd decoder made no progress', 0);
    }
    if (produced > 0) chunks.push(chunk.subarray(0, produced));
    total += produced;
    input = input.subarray(consumed);
    remaining = hint;
  }
  // With all input consumed, drain output the decoder may still hold (a full last chunk).
  while (remaining !== 0) {
    const chunk = Buffer.allocUnsafe(ZSTD_OUT_CHUNK);
    const [hint, produced] = dctx.decompressStream(chunk, input);
    if (produced === 0) throw new CorruptRecordError('truncated zstd frame', 0);
    chunks.push(chunk.subarray(0, produced));
    total += produced;
    remaining = hint;
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
}
