// Walking fetched record sets in place: counts, key + value bytes, offsets, latency stamps, and a
// truncated last batch.
import { describe, expect, it } from 'vitest';
import { Codec, buildBatch, setBaseOffset } from '../../../engine/index.js';
import { LatencyHistogram } from '../../../tools/perf/latency-histogram.js';
import { RecordBatchWriter } from '../../../tools/perf/record-batch-writer.js';
import { completeBatchesLength as completeLength } from '../../../engine/index.js';
import { RecordSetScanner, nextOffset } from '../../../tools/perf/record-set-scanner.js';

const NOW = Date.now();

/** Batches laid back to back as a fetch returns them, with their broker-assigned base offsets. */
function recordSet(batches: Buffer[], firstOffset = 0): Buffer {
  let offset = firstOffset;
  const copies = batches.map((b) => {
    const copy = Buffer.from(b);
    setBaseOffset(copy, 0, offset);
    offset += copy.readInt32BE(23) + 1;
    return copy;
  });
  return Buffer.concat(copies);
}

/** A perf batch of `count` 100-byte values stamped `age` ms ago. */
function stamped(count: number, age: number, codec = Codec.None): Buffer {
  const writer = new RecordBatchWriter(1 << 20, codec);
  writer.reset(NOW);
  for (let i = 0; i < count; i++) writer.tryAppend(0, Buffer.alloc(100, 65), NOW - age);
  return Buffer.from(writer.finish());
}

describe('record set walking', () => {
  const keyed = buildBatch({
    records: [
      { key: 'k1', value: 'hello', headers: [{ key: 'h', value: 'x' }] },
      { key: null, value: null },
      { key: 'key-3', value: 'v' },
    ],
    codec: Codec.Gzip,
  });
  const set = recordSet([stamped(10, 5), keyed, stamped(20, 7, Codec.Lz4), stamped(5, 2 * 3_600_000)]);

  it('finds the complete batches and the next offset from the headers alone', () => {
    expect(completeLength(set)).toBe(set.length);
    expect(nextOffset(set, set.length, 0)).toBe(38);
    // Cut inside the last batch, then inside a batch's length field: only whole batches count.
    const cut = set.subarray(0, set.length - 30);
    const end = completeLength(cut);
    expect(end).toBeLessThan(cut.length);
    expect(nextOffset(cut, end, 0)).toBe(33);
    expect(completeLength(set.subarray(0, 10))).toBe(0);
    expect(nextOffset(set, 0, 17)).toBe(17);
  });

  it('counts records and key + value bytes and measures plausible stamps', () => {
    const histogram = new LatencyHistogram();
    const scanner = new RecordSetScanner(histogram);
    scanner.scan(set, set.length, 0, Infinity, NOW);
    expect(scanner.lastRecords).toBe(38);
    expect(scanner.records).toBe(38);
    expect(scanner.lastBytes).toBe(35 * 100 + (2 + 5) + 0 + (5 + 1));
    expect(scanner.batchBytes).toBe(set.length);
    expect(scanner.consumedTo).toBe(38);
    // The 2-hour-old stamps are not believed; the others are 5 and 7 ms old.
    expect(histogram.count).toBe(30);
    expect(histogram.min).toBeCloseTo(5, 6);
    expect(histogram.max).toBeCloseTo(7, 6);
    expect(scanner.lastLatencyCount).toBe(30);
    expect(scanner.lastLatencyMax).toBeCloseTo(7, 6);
  });

  it('starts at the fetch position inside a batch and stops at the limit', () => {
    const scanner = new RecordSetScanner(new LatencyHistogram());
    // Offsets 0-9 stamped, 10-12 keyed, 13-32 lz4: from 4, at most 12 records -> 4..15.
    scanner.scan(set, set.length, 4, 12, NOW);
    expect(scanner.lastRecords).toBe(12);
    expect(scanner.consumedTo).toBe(16);
    expect(scanner.lastBytes).toBe(6 * 100 + 13 + 3 * 100);
    // The rest of the set, continuing where that stopped.
    scanner.scan(set, set.length, 16, Infinity, NOW);
    expect(scanner.lastRecords).toBe(22);
    expect(scanner.records).toBe(34);
    expect(scanner.consumedTo).toBe(38);
  });

  it('ignores records before the position and a batch wholly before it', () => {
    const scanner = new RecordSetScanner(new LatencyHistogram());
    scanner.scan(set, set.length, 33, Infinity, NOW);
    expect(scanner.lastRecords).toBe(5);
    expect(scanner.batchBytes).toBe(stamped(5, 0).length);
  });

  it('skips control batches but moves past them', () => {
    const control = buildBatch({
      records: [{ key: Buffer.alloc(4), value: Buffer.alloc(6) }],
      control: true,
    });
    const withControl = recordSet([stamped(3, 1), control, stamped(2, 1)], 100);
    const scanner = new RecordSetScanner(new LatencyHistogram());
    scanner.scan(withControl, withControl.length, 100, Infinity, NOW);
    expect(scanner.lastRecords).toBe(5);
    expect(scanner.consumedTo).toBe(106);
  });

  it('rejects a corrupt batch', () => {
    const bad = Buffer.from(set);
    bad[70] = bad[70]! ^ 0xff;
    const scanner = new RecordSetScanner(new LatencyHistogram());
    expect(() => scanner.scan(bad, bad.length, 0, Infinity, NOW)).toThrow(/CRC/);
  });
});
