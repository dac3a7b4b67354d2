/**
 * Splits a TCP byte stream into Kafka frames: a 4-byte big-endian size, then that many bytes.
 *
 * A frame that lies wholly inside one socket chunk is handed out as a subarray of that chunk (no
 * copy); only a frame that spans chunks is assembled, once, into a buffer of its own. A size above
 * the limit (socket.request.max.bytes) or below zero is an error: the connection must be closed.
 */
export class FrameTooLargeError extends Error {
  constructor(
    readonly size: number,
    readonly limit: number,
  ) {
    super(`frame of ${size} bytes is larger than socket.request.max.bytes (${limit})`);
  }
}

export class FrameDecoder {
  /** Bytes of a frame (or size prefix) started in earlier chunks. */
  private partial: Buffer | undefined;
  private partialFill = 0;
  /** Size of the frame being assembled, or -1 while its 4-byte prefix is incomplete. */
  private wanted = -1;
  private readonly sizeBytes = Buffer.alloc(4);
  private sizeFill = 0;

  constructor(private readonly maxFrameBytes: number) {}

  /** Feeds a chunk; calls `onFrame` for every complete frame in order. */
  push(chunk: Buffer, onFrame: (frame: Buffer) => void): void {
    let pos = 0;
    while (pos < chunk.length) {
      if (this.partial) {
        const take = Math.min(this.wanted - this.partialFill, chunk.length - pos);
        chunk.copy(this.partial, this.partialFill, pos, pos + take);
        this.partialFill += take;
        pos += take;
        if (this.partialFill === this.wanted) {
          const frame = this.partial;
          this.partial = undefined;
          this.wanted = -1;
          onFrame(frame);
        }
        continue;
      }
      if (this.sizeFill > 0 || chunk.length - pos < 4) {
        // The size prefix itself is split across chunks.
        const take = Math.min(4 - this.sizeFill, chunk.length - pos);
        chunk.copy(this.sizeBytes, this.sizeFill, pos, pos + take);
        this.sizeFill += take;
        pos += take;
        if (this.sizeFill < 4) return;
        this.sizeFill = 0;
        this.startFrame(this.sizeBytes.readInt32BE(0));
        if (this.wanted === 0) this.emitEmpty(onFrame);
        continue;
      }
      const size = chunk.readInt32BE(pos);
      this.checkSize(size);
      pos += 4;
      if (chunk.length - pos >= size) {
        onFrame(chunk.subarray(pos, pos + size));
        pos += size;
      } else {
        this.startFrame(size);
      }
    }
  }

  private startFrame(size: number): void {
    this.checkSize(size);
    this.wanted = size;
    this.partial = size > 0 ? Buffer.allocUnsafe(size) : undefined;
    this.partialFill = 0;
  }

  private emitEmpty(onFrame: (frame: Buffer) => void): void {
    this.wanted = -1;
    onFrame(Buffer.alloc(0));
  }

  private checkSize(size: number): void {
    if (size < 0 || size > this.maxFrameBytes) throw new FrameTooLargeError(size, this.maxFrameBytes);
  }
}
