/**
 * The variable-length parts of a record as a batch stores them (layout in record-batch.ts): bytes
 * fields (key, value, header values: a zig-zag varint length, -1 for null, then the bytes) and the
 * header list (a count, then per header a key length, the UTF-8 key and a bytes field). Sizes and
 * writers for BatchBuilder; a string is measured and written as UTF-8 in place, never converted to
 * a Buffer first, so nothing here allocates.
 */
import { varintSize, writeVarint } from './varint.js';

/** Bytes of a key, value or header value; a string is written as UTF-8, null or undefined as null. */
export type BytesInput = Buffer | string | null | undefined;

export interface RecordHeaderInput {
  key: string;
  value: Buffer | string | null;
}

/** Encoded length of a bytes field's contents; -1 for null. */
export function lengthOf(bytes: BytesInput): number {
  if (bytes === null || bytes === undefined) return -1;
  return typeof bytes === 'string' ? Buffer.byteLength(bytes, 'utf8') : bytes.length;
}

/** The contents of a bytes field that takes `length` bytes (-1: null). */
export function writeBytes(buf: Buffer, bytes: BytesInput, length: number, pos: number): number {
  if (length <= 0) return pos;
  if (typeof bytes === 'string') return pos + buf.write(bytes, pos, length, 'utf8');
  buf.set(bytes!, pos);
  return pos + length;
}

/** Bytes of a bytes field: its length varint and its contents. */
export function fieldSize(length: number): number {
  return length < 0 ? 1 : varintSize(length) + length;
}

/** Bytes of the header count and the headers. */
export function headersSize(headers: readonly RecordHeaderInput[] | undefined): number {
  if (headers === undefined) return 1;
  let size = varintSize(headers.length);
  for (const header of headers) {
    size += fieldSize(Buffer.byteLength(header.key, 'utf8')) + fieldSize(lengthOf(header.value));
  }
  return size;
}

/** The header count and the headers (none when `headers` is undefined); returns the position after. */
export function writeHeaders(
  buf: Buffer,
  headers: readonly RecordHeaderInput[] | undefined,
  pos: number,
): number {
  if (headers === undefined) {
    buf[pos] = 0;
    return pos + 1;
  }
  pos = writeVarint(buf, headers.length, pos);
  for (const header of headers) {
    const keyLength = Buffer.byteLength(header.key, 'utf8');
    pos = writeBytes(buf, header.key, keyLength, writeVarint(buf, keyLength, pos));
    const valueLength = lengthOf(header.value);
    pos = writeBytes(buf, header.value, valueLength, writeVarint(buf, valueLength, pos));
  }
  return pos;
}
