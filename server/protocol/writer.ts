/**
 * Writing the Kafka protocol's primitive types (formats in reader.ts).
 *
 * The writer keeps a list of buffers instead of one growing buffer: small values go into the
 * current scratch chunk, and large byte fields — record sets, above all the mapped segment slices a
 * Fetch response carries — are appended by reference, never copied. `toBuffers()` gives the list
 * for one writev; the 4-byte size prefix of a frame is reserved up front and patched at the end.
 *
 * Chunks start small and double up to CHUNK_BYTES: most frames (a produce response, a heartbeat)
 * are a few dozen bytes, and a small Buffer.allocUnsafe comes from Node's shared pool, while every
 * 16 KiB one is an ArrayBuffer of its own that the garbage collector counts as external memory —
 * thousands of responses a second made that a good share of the broker's produce-path CPU.
 */
const FIRST_CHUNK_BYTES = 512;
const CHUNK_BYTES = 16 * 1024;
/** Byte fields at least this large are kept by reference rather than copied. */
const BY_REFERENCE_BYTES = 1024;

export class ProtocolWriter {
  private readonly done: Buffer[] = [];
  private chunk: Buffer;
  private pos = 0;
  private start = 0;
  private total = 0;
  private nextChunkBytes = FIRST_CHUNK_BYTES * 2;
  private readonly sizePrefix: boolean;

  /** With `sizePrefix`, the output starts with an int32 holding the length of what follows. */
  constructor(options: { sizePrefix?: boolean } = {}) {
    this.chunk = Buffer.allocUnsafe(FIRST_CHUNK_BYTES);
    this.sizePrefix = options.sizePrefix ?? false;
    if (this.sizePrefix) this.pos = 4;
  }

  /** Bytes written so far, size prefix excluded. */
  get length(): number {
    return this.total + this.pos - this.start - (this.sizePrefix ? 4 : 0);
  }

  private room(bytes: number): Buffer {
    if (this.pos + bytes > this.chunk.length) {
      this.flushChunk();
      this.chunk = Buffer.allocUnsafe(Math.max(this.nextChunkBytes, bytes));
      this.nextChunkBytes = Math.min(CHUNK_BYTES, this.nextChunkBytes * 2);
      this.pos = 0;
      this.start = 0;
    }
    return this.chunk;
  }

  private flushChunk(): void {
    if (this.pos > this.start) {
      this.done.push(this.chunk.subarray(this.start, this.pos));
      this.total += this.pos - this.start;
    }
    this.start = this.pos;
  }

  bool(value: boolean): this {
    this.room(1)[this.pos++] = value ? 1 : 0;
    return this;
  }
  int8(value: number): this {
    this.pos = this.room(1).writeInt8(value, this.pos);
    return this;
  }
  int16(value: number): this {
    this.pos = this.room(2).writeInt16BE(value, this.pos);
    return this;
  }
  uint16(value: number): this {
    this.pos = this.room(2).writeUInt16BE(value, this.pos);
    return this;
  }
  int32(value: number): this {
    this.pos = this.room(4).writeInt32BE(value, this.pos);
    return this;
  }
  uint32(value: number): this {
    this.pos = this.room(4).writeUInt32BE(value >>> 0, this.pos);
    return this;
  }
  /** A number as a 64-bit integer (exact within ±2^53). */
  int64(value: number): this {
    const buf = this.room(8);
    const high = Math.floor(value / 0x1_0000_0000);
    buf.writeInt32BE(high, this.pos);
    buf.writeUInt32BE(value - high * 0x1_0000_0000, this.pos + 4);
    this.pos += 8;
    return this;
  }
  float64(value: number): this {
    this.pos = this.room(8).writeDoubleBE(value, this.pos);
    return this;
  }

  unsignedVarint(value: number): this {
    const buf = this.room(5);
    let v = value;
    while (v >= 0x80) {
      buf[this.pos++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    buf[this.pos++] = v;
    return this;
  }

  varint(value: number): this {
    return this.unsignedVarint(value >= 0 ? value * 2 : -value * 2 - 1);
  }

  uuid(value: string): this {
    const bytes = Buffer.from(value, 'base64url');
    if (bytes.length !== 16) throw new Error(`not a 16-byte UUID: ${value}`);
    return this.raw(bytes);
  }

  string(value: string | null): this {
    if (value === null) return this.int16(-1);
    const length = Buffer.byteLength(value);
    this.int16(length);
    // room() may start a new chunk and move pos: take the chunk first, then read pos.
    const chunk = this.room(length);
    this.pos += chunk.write(value, this.pos, 'utf8');
    return this;
  }

  compactString(value: string | null): this {
    if (value === null) return this.unsignedVarint(0);
    const length = Buffer.byteLength(value);
    this.unsignedVarint(length + 1);
    const chunk = this.room(length);
    this.pos += chunk.write(value, this.pos, 'utf8');
    return this;
  }

  bytes(value: Buffer | null): this {
    if (value === null) return this.int32(-1);
    return this.int32(value.length).raw(value);
  }

  compactBytes(value: Buffer | null): this {
    if (value === null) return this.unsignedVarint(0);
    return this.unsignedVarint(value.length + 1).raw(value);
  }

  arrayLength(count: number | null, compact: boolean): this {
    if (count === null) return compact ? this.unsignedVarint(0) : this.int32(-1);
    return compact ? this.unsignedVarint(count + 1) : this.int32(count);
  }

  /** Appends bytes as they are: copied when small, kept by reference when large. */
  raw(value: Buffer): this {
    if (value.length >= BY_REFERENCE_BYTES) {
      this.flushChunk();
      this.done.push(value);
      this.total += value.length;
      return this;
    }
    value.copy(this.room(value.length), this.pos);
    this.pos += value.length;
    return this;
  }

  /** The output as a list of buffers (for writev), size prefix patched in. */
  toBuffers(): Buffer[] {
    this.flushChunk();
    if (this.sizePrefix) this.done[0]!.writeInt32BE(this.total - 4, 0);
    return this.done;
  }

  /** The output as one buffer (a copy when it spans several chunks). */
  toBuffer(): Buffer {
    const list = this.toBuffers();
    return list.length === 1 ? list[0]! : Buffer.concat(list, this.total);
  }
}
