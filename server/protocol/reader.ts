/**
 * Reading the Kafka protocol's primitive types from a Buffer (all big-endian):
 *
 *   int8/16/32/64, uint16/32, float64    fixed width
 *   varint / varlong                     zig-zag, 7 bits a byte (record fields)
 *   unsigned varint                      7 bits a byte, no zig-zag (flexible versions' lengths)
 *   string       int16 length + UTF-8 (-1 = null)      compact: uvarint length+1 (0 = null)
 *   bytes        int32 length + bytes (-1 = null)      compact: uvarint length+1 (0 = null)
 *   array        int32 count (-1 = null)               compact: uvarint count+1 (0 = null)
 *   uuid         16 bytes, shown as Kafka does: URL-safe base64 without padding
 *
 * Byte fields come back as subarrays of the input — record sets are never copied here. Reading past
 * the end throws ProtocolError, never a RangeError.
 */
import { ProtocolError } from './protocol-error.js';

export class ProtocolReader {
  constructor(
    readonly buffer: Buffer,
    public offset = 0,
    readonly end = buffer.length,
  ) {}

  get remaining(): number {
    return this.end - this.offset;
  }

  private need(bytes: number): number {
    const at = this.offset;
    if (bytes < 0 || at + bytes > this.end) {
      throw new ProtocolError(`truncated: need ${bytes} bytes at ${at}, ${this.end - at} remain`);
    }
    this.offset = at + bytes;
    return at;
  }

  bool(): boolean {
    return this.buffer[this.need(1)] !== 0;
  }
  int8(): number {
    return this.buffer.readInt8(this.need(1));
  }
  int16(): number {
    return this.buffer.readInt16BE(this.need(2));
  }
  uint16(): number {
    return this.buffer.readUInt16BE(this.need(2));
  }
  int32(): number {
    return this.buffer.readInt32BE(this.need(4));
  }
  uint32(): number {
    return this.buffer.readUInt32BE(this.need(4));
  }
  /** A 64-bit integer as a number: exact within ±2^53, which covers every offset and timestamp. */
  int64(): number {
    const at = this.need(8);
    return this.buffer.readInt32BE(at) * 0x1_0000_0000 + this.buffer.readUInt32BE(at + 4);
  }
  float64(): number {
    return this.buffer.readDoubleBE(this.need(8));
  }

  unsignedVarint(): number {
    let value = 0;
    let shift = 0;
    for (;;) {
      const byte = this.buffer[this.need(1)]!;
      value += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return value;
      shift += 7;
      if (shift > 28) throw new ProtocolError(`unsigned varint too long at ${this.offset}`);
    }
  }

  varint(): number {
    const raw = this.unsignedVarint();
    return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
  }

  uuid(): string {
    const at = this.need(16);
    return this.buffer.toString('base64url', at, at + 16);
  }

  string(): string | null {
    const length = this.int16();
    if (length === -1) return null;
    if (length < 0) throw new ProtocolError(`negative string length ${length}`);
    const at = this.need(length);
    return this.buffer.toString('utf8', at, at + length);
  }

  compactString(): string | null {
    const length = this.unsignedVarint() - 1;
    if (length === -1) return null;
    const at = this.need(length);
    return this.buffer.toString('utf8', at, at + length);
  }

  bytes(): Buffer | null {
    const length = this.int32();
    if (length === -1) return null;
    if (length < 0) throw new ProtocolError(`negative bytes length ${length}`);
    const at = this.need(length);
    return this.buffer.subarray(at, at + length);
  }

  compactBytes(): Buffer | null {
    const length = this.unsignedVarint() - 1;
    if (length === -1) return null;
    const at = this.need(length);
    return this.buffer.subarray(at, at + length);
  }

  /** An array length: -1 for null. Counts larger than the bytes left are rejected up front. */
  arrayLength(compact: boolean): number {
    const count = compact ? this.unsignedVarint() - 1 : this.int32();
    if (count < -1) throw new ProtocolError(`negative array length ${count}`);
    if (count > this.remaining)
      throw new ProtocolError(`array of ${count} elements in ${this.remaining} bytes`);
    return count;
  }

  skip(bytes: number): void {
    this.need(bytes);
  }
}
