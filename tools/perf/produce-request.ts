/**
 * Encodes Produce requests for one topic with a prebuilt header, so a request costs a few small
 * writes around the record batches (which are referenced, never copied) instead of a walk of the
 * schema. Versions 3 to 11, as server/protocol/apis/produce.ts describes them; from v9 the request
 * is flexible (compact lengths, tagged-field sections, request header v2).
 *
 *   int32   frame size (of what follows)
 *   int16   api key 0, int16 version, int32 correlation id, string client id
 *           [v9+: header tagged fields, uvarint 0]
 *   transactionalId  nullable string: null (int16 -1; v9+ uvarint 0)
 *   int16   acks, int32 timeoutMs
 *   topicData        array of 1 (int32 1; v9+ uvarint 2)
 *     name           string (v9+ compact)
 *     partitionData  array of n (int32 n; v9+ uvarint n + 1)
 *       int32 index, records bytes (int32 length; v9+ uvarint length + 1), [v9+ tagged 0]
 *     [v9+ tagged 0]
 *   [v9+ tagged 0]
 */

const PRODUCE_KEY = 0;
/** The largest uvarint written here (lengths below 2^35) and the int32 of a classic length. */
const MAX_LENGTH_BYTES = 5;

export interface PartitionBatch {
  partition: number;
  records: Buffer;
}

export class ProduceRequestEncoder {
  /** Everything from the api key to the topic name, with a zero correlation id to patch. */
  private readonly prefix: Buffer;
  private readonly flexible: boolean;
  private static readonly CORRELATION_AT = 4 + 4;

  constructor(version: number, clientId: string, topic: string, acks: number, timeoutMs: number) {
    this.flexible = version >= 9;
    const client = Buffer.from(clientId, 'utf8');
    const name = Buffer.from(topic, 'utf8');
    const parts: Buffer[] = [];
    const fixed = Buffer.alloc(8);
    fixed.writeInt16BE(PRODUCE_KEY, 0);
    fixed.writeInt16BE(version, 2);
    parts.push(fixed, int16(client.length), client);
    if (this.flexible) {
      parts.push(Buffer.from([0]), Buffer.from([0])); // header tags; null transactional id
    } else {
      parts.push(int16(-1));
    }
    const acksTimeout = Buffer.alloc(6);
    acksTimeout.writeInt16BE(acks, 0);
    acksTimeout.writeInt32BE(timeoutMs, 2);
    parts.push(acksTimeout);
    if (this.flexible) parts.push(uvarint(2), uvarint(name.length + 1), name);
    else parts.push(int32(1), int16(name.length), name);
    this.prefix = Buffer.concat(parts);
  }

  /**
   * The frame for `batches` (one per partition) as a list of buffers for one writev: small
   * pieces in one fresh buffer, the batches themselves by reference.
   */
  encode(correlationId: number, batches: readonly PartitionBatch[]): Buffer[] {
    const perPartition = 4 + MAX_LENGTH_BYTES + 1;
    const scratch = Buffer.allocUnsafe(
      4 + this.prefix.length + MAX_LENGTH_BYTES + batches.length * perPartition + 2,
    );
    const out: Buffer[] = [];
    let start = 0;
    let pos = 4 + this.prefix.copy(scratch, 4);
    scratch.writeInt32BE(correlationId, ProduceRequestEncoder.CORRELATION_AT);
    pos = this.arrayLength(scratch, pos, batches.length);
    let size = 0;
    for (let i = 0; i < batches.length; i++) {
      const batch = batches[i]!;
      if (this.flexible && i > 0) scratch[pos++] = 0; // the previous partition's tags
      pos = scratch.writeInt32BE(batch.partition, pos);
      pos = this.bytesLength(scratch, pos, batch.records.length);
      out.push(scratch.subarray(start, pos), batch.records);
      size += pos - start + batch.records.length;
      start = pos;
    }
    if (this.flexible) {
      if (batches.length > 0) scratch[pos++] = 0; // the last partition's tags
      scratch[pos++] = 0; // topic tags
      scratch[pos++] = 0; // request tags
    }
    out.push(scratch.subarray(start, pos));
    size += pos - start;
    scratch.writeInt32BE(size - 4, 0);
    return out;
  }

  private arrayLength(buf: Buffer, pos: number, count: number): number {
    return this.flexible ? writeUvarint(buf, pos, count + 1) : buf.writeInt32BE(count, pos);
  }

  private bytesLength(buf: Buffer, pos: number, length: number): number {
    return this.flexible ? writeUvarint(buf, pos, length + 1) : buf.writeInt32BE(length, pos);
  }
}

function writeUvarint(buf: Buffer, pos: number, value: number): number {
  let v = value;
  while (v >= 0x80) {
    buf[pos++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 128);
  }
  buf[pos++] = v;
  return pos;
}

function int16(value: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeInt16BE(value, 0);
  return b;
}

function int32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(value, 0);
  return b;
}

function uvarint(value: number): Buffer {
  const b = Buffer.alloc(MAX_LENGTH_BYTES);
  return b.subarray(0, writeUvarint(b, 0, value));
}
