import { describe, expect, it } from 'vitest';
import { compressSync, decompressSync } from '../../../engine/record/compression.js';
import { Codec } from '../../../engine/record/record-batch.js';
import { ownedBytes } from '../../../engine/record/codec-worker.js';

describe('codec worker', () => {
  it('an lz4 result in external memory comes back transferable (Node 24 refused to transfer it)', () => {
    const input = Buffer.alloc(1 << 20, 'kiln record bytes ');
    for (let round = 0; round < 2; round++) {
      const output = compressSync(Codec.Lz4, input);
      const expected = Buffer.from(output);
      const bytes = ownedBytes({ op: 'compress', codec: Codec.Lz4, data: new ArrayBuffer(0) }, output, true);
      const moved = structuredClone(bytes, { transfer: [bytes] });
      expect(Buffer.from(moved).equals(expected)).toBe(true);
      expect(decompressSync(Codec.Lz4, Buffer.from(moved)).equals(input)).toBe(true);
    }
  });
});
