import { afterAll, describe, expect, it } from 'vitest';
import { CorruptRecordError } from '../../../engine/errors.js';
import { buildBatch } from '../../../engine/record/batch-builder.js';
import type { RecordInput } from '../../../engine/record/batch-builder.js';
import { iterateBatches } from '../../../engine/record/batch-iterator.js';
import { compressSync } from '../../../engine/record/compression.js';
import {
  CRC,
  Codec,
  RECORDS,
  RECORD_COUNT,
  RecordBatch,
  TimestampType,
  computeBatchCrc,
  setLogAppendTime,
} from '../../../engine/record/record-batch.js';
import { readRecords, readRecordsAsync } from '../../../engine/record/record-reader.js';
import type { Record } from '../../../engine/record/record-reader.js';
import { destroyWorkerPools, workerThreadCount } from '../../../engine/workers/worker-pool.js';

const CODECS = [Codec.None, Codec.Gzip, Codec.Snappy, Codec.Lz4, Codec.Zstd];
const T0 = 1_795_319_412_449;

const INPUT: RecordInput[] = [
  { key: 'k0', value: 'v0', timestamp: T0 },
  { key: null, value: 'no key', timestamp: T0 + 5 },
  { key: 'tombstone', value: null, timestamp: T0 - 3 },
  { key: Buffer.alloc(0), value: Buffer.alloc(0), timestamp: T0 + 1 },
  {
    key: 'with headers',
    value: Buffer.from([0, 1, 2, 255]),
    headers: [
      { key: 'trace-id', value: 'abc' },
      { key: 'ünïcødé', value: null },
      { key: '', value: Buffer.from([9]) },
    ],
    timestamp: T0 + 100_000,
  },
];

interface Plain {
  offset: number;
  timestamp: number;
  key: string | null;
  value: string | null;
  headers: { key: string; value: string | null }[];
}

function plain(r: Record): Plain {
  const hex = (b: Buffer | null): string | null => (b === null ? null : b.toString('hex'));
  return {
    offset: r.offset,
    timestamp: r.timestamp,
    key: hex(r.key),
    value: hex(r.value),
    headers: r.headers.map((h) => ({ key: h.key, value: hex(h.value) })),
  };
}

function expected(baseOffset: number, timestampOf: (i: number) => number): Plain[] {
  const hex = (b: RecordInput['key']): string | null =>
    b === null || b === undefined ? null : (typeof b === 'string' ? Buffer.from(b) : b).toString('hex');
  return INPUT.map((r, i) => ({
    offset: baseOffset + i,
    timestamp: timestampOf(i),
    key: hex(r.key),
    value: hex(r.value),
    headers: (r.headers ?? []).map((h) => ({ key: h.key, value: hex(h.value) })),
  }));
}

/** An uncompressed batch with its record count (inside the CRC) rewritten and the CRC fixed. */
function withRecordCount(buf: Buffer, count: number): Buffer {
  const copy = Buffer.from(buf);
  copy.writeInt32BE(count, RECORD_COUNT);
  copy.writeUInt32BE(computeBatchCrc(copy, 0, copy.length), CRC);
  return copy;
}

afterAll(async () => {
  await destroyWorkerPools();
});

describe('readRecords', () => {
  for (const codec of CODECS) {
    it(`round-trips builder output with ${Codec[codec]}`, async () => {
      const buf = buildBatch({ records: INPUT, codec, baseOffset: 1000 });
      const [batch, ...rest] = [...iterateBatches(buf)];
      expect(rest).toHaveLength(0);
      const want = expected(1000, (i) => INPUT[i]!.timestamp!);
      expect([...readRecords(batch!)].map(plain)).toEqual(want);
      expect((await readRecordsAsync(batch!)).map(plain)).toEqual(want);
    });
  }

  it('distinguishes null from empty keys and values', () => {
    const records = [...readRecords(new RecordBatch(buildBatch({ records: INPUT })))];
    expect(records[1]!.key).toBeNull();
    expect(records[2]!.value).toBeNull();
    expect(records[3]!.key).toEqual(Buffer.alloc(0));
    expect(records[3]!.value).toEqual(Buffer.alloc(0));
  });

  it('hands out keys and values as views of the batch, not copies', () => {
    const buf = buildBatch({ records: [{ key: 'key', value: 'value' }] });
    const [record] = [...readRecords(new RecordBatch(buf))];
    expect(record!.value!.buffer).toBe(buf.buffer);
    buf[buf.length - 2] = 0x45; // the last 'e' of 'value' (the header count follows)
    expect(record!.value!.toString()).toBe('valuE');
  });

  it('uses supplied decompressed bytes instead of decompressing again', () => {
    const buf = buildBatch({ records: [{ value: 'real' }], codec: Codec.Gzip });
    const batch = new RecordBatch(buf);
    const other = new RecordBatch(buildBatch({ records: [{ value: 'swap' }] })).recordsBytes;
    expect([...readRecords(batch, other)][0]!.value!.toString()).toBe('swap');
  });

  it('gives every record the batch maxTimestamp in a LogAppendTime batch', () => {
    for (const codec of CODECS) {
      const built = buildBatch({ records: INPUT, codec, timestampType: TimestampType.LogAppendTime });
      const batch = new RecordBatch(built);
      expect(batch.timestampType).toBe(TimestampType.LogAppendTime);
      expect([...readRecords(batch)].map((r) => r.timestamp)).toEqual(INPUT.map(() => T0 + 100_000));

      const stamped = buildBatch({ records: INPUT, codec });
      setLogAppendTime(stamped, 0, 42_000);
      const [restamped] = [...iterateBatches(stamped)];
      expect([...readRecords(restamped!)].map(plain)).toEqual(expected(0, () => 42_000));
    }
  });

  it('reads control batches', () => {
    // A COMMIT marker: key = version int16 0, type int16 1; value = version int16 0, coordinator epoch int32.
    const key = Buffer.from([0, 0, 0, 1]);
    const value = Buffer.from([0, 0, 0, 0, 0, 7]);
    const buf = buildBatch({
      records: [{ key, value, timestamp: T0 }],
      control: true,
      transactional: true,
      producerId: 4000,
      producerEpoch: 2,
      baseOffset: 77,
    });
    const [batch] = [...iterateBatches(buf)];
    expect(batch!.isControl).toBe(true);
    expect(batch!.isTransactional).toBe(true);
    const [marker, ...more] = [...readRecords(batch!)];
    expect(more).toHaveLength(0);
    expect(marker!.offset).toBe(77);
    expect(marker!.key!.readInt16BE(2)).toBe(1);
    expect(marker!.value!.readInt32BE(2)).toBe(7);
  });

  it('decodes a big compressed batch through the worker pool in readRecordsAsync', async () => {
    const records = Array.from({ length: 2000 }, (_, i) => ({
      key: `key-${i}`,
      value: Buffer.from(Array.from({ length: 600 }, (_, j) => ((i + 1) * (j + 3) * 2_654_435_761) >>> 24)),
      timestamp: T0 + i,
    }));
    for (const codec of [Codec.Gzip, Codec.Zstd]) {
      const batch = new RecordBatch(buildBatch({ records, codec, baseOffset: 5 }));
      expect(batch.recordsBytes.length).toBeGreaterThan(64 * 1024);
      const got = await readRecordsAsync(batch);
      expect(got).toHaveLength(2000);
      expect(got[1999]!.offset).toBe(2004);
      expect(got[1234]!.key!.toString()).toBe('key-1234');
      expect(got[1234]!.value!.equals(records[1234]!.value)).toBe(true);
      expect(got[1999]!.timestamp).toBe(T0 + 1999);
    }
    expect(workerThreadCount()).toBeGreaterThan(0);
  });
});

describe('readRecords on corrupt records', () => {
  const good = buildBatch({ records: INPUT });

  /** Reads everything, returning the error thrown (or null). */
  function readAll(batch: RecordBatch, bytes?: Buffer): unknown {
    try {
      for (const _ of readRecords(batch, bytes));
      return null;
    } catch (err) {
      return err;
    }
  }

  it('rejects a record count above or below what the section holds', () => {
    const more = readAll(new RecordBatch(withRecordCount(good, INPUT.length + 1)));
    expect(more).toBeInstanceOf(CorruptRecordError);
    expect((more as Error).message).toMatch(/header says 6 records/);
    const fewer = readAll(new RecordBatch(withRecordCount(good, INPUT.length - 1)));
    expect(fewer).toBeInstanceOf(CorruptRecordError);
    expect((fewer as Error).message).toMatch(/left over/);
  });

  it('rejects a key length that runs past its record', () => {
    const buf = buildBatch({ records: [{ key: 'abc', value: 'defgh' }, { value: 'next' }] });
    // Record 0: length, attributes, timestampDelta, offsetDelta, then key length (zig-zag 3 = 6).
    expect(buf[RECORDS + 4]).toBe(6);
    buf[RECORDS + 4] = 40; // 20 bytes: inside the section, but past the record
    const err = readAll(new RecordBatch(buf));
    expect(err).toBeInstanceOf(CorruptRecordError);
    expect((err as CorruptRecordError).position).toBe(0);
  });

  it('rejects a record whose declared length exceeds its fields', () => {
    const one = buildBatch({ records: [{ key: 'k', value: 'v', timestamp: 0 }], baseTimestamp: 0 });
    const section = new RecordBatch(one).recordsBytes;
    // Record length 8 (zig-zag 16) becomes 9 and one padding byte goes after the header count.
    expect(section[0]).toBe(16);
    const padded = Buffer.concat([Buffer.from([18]), section.subarray(1), Buffer.from([0])]);
    const err = readAll(new RecordBatch(one), padded);
    expect(err).toBeInstanceOf(CorruptRecordError);
    expect((err as Error).message).toMatch(/declares 9 bytes but its fields end 1 early/);
  });

  it('reports the batch position for a batch inside a larger buffer', () => {
    const first = buildBatch({ records: [{ value: 'x' }] });
    const second = withRecordCount(good, 9);
    const buf = Buffer.concat([first, second]);
    const err = readAll(new RecordBatch(buf, first.length));
    expect(err).toBeInstanceOf(CorruptRecordError);
    expect((err as CorruptRecordError).position).toBe(first.length);
  });

  it('rejects every strict prefix of the records section', () => {
    const batch = new RecordBatch(good);
    const section = batch.recordsBytes;
    for (let cut = 0; cut < section.length; cut++) {
      const err = readAll(batch, section.subarray(0, cut));
      expect(err, `prefix ${cut}`).toBeInstanceOf(CorruptRecordError);
    }
  });

  it('never throws anything but CorruptRecordError for damaged record bytes', () => {
    const section = new RecordBatch(good).recordsBytes;
    let rejected = 0;
    for (let pos = 0; pos < section.length; pos++) {
      for (const mask of [0x01, 0x40, 0x80, 0xff]) {
        const damaged = Buffer.from(section);
        damaged[pos] = damaged[pos]! ^ mask;
        const err = readAll(new RecordBatch(good), damaged);
        if (err !== null) {
          expect(err, `byte ${pos} ^ ${mask}`).toBeInstanceOf(CorruptRecordError);
          rejected++;
        }
      }
    }
    // Most damage is detectable without the CRC (flips inside key/value bytes are not).
    expect(rejected).toBeGreaterThan(section.length);
  });

  it('turns a damaged compressed payload into CorruptRecordError at the batch', async () => {
    for (const codec of [Codec.Gzip, Codec.Snappy, Codec.Lz4, Codec.Zstd]) {
      const buf = buildBatch({ records: INPUT, codec });
      buf.fill(0x5a, RECORDS + 8, RECORDS + 20);
      buf.writeUInt32BE(computeBatchCrc(buf, 0, buf.length), CRC);
      const [batch] = [...iterateBatches(buf)];
      expect(() => [...readRecords(batch!)], Codec[codec]).toThrow(CorruptRecordError);
      await expect(readRecordsAsync(batch!)).rejects.toBeInstanceOf(CorruptRecordError);
    }
  });

  it('a compressed section holding a truncated record is corrupt', () => {
    const section = new RecordBatch(good).recordsBytes;
    const shortened = compressSync(Codec.Zstd, section.subarray(0, section.length - 2));
    const header = Buffer.from(good.subarray(0, RECORDS));
    header.writeInt16BE(Codec.Zstd, 21);
    const buf = Buffer.concat([header, shortened]);
    buf.writeInt32BE(buf.length - 12, 8);
    buf.writeUInt32BE(computeBatchCrc(buf, 0, buf.length), CRC);
    const [batch] = [...iterateBatches(buf)];
    expect(() => [...readRecords(batch!)]).toThrow(CorruptRecordError);
  });

  it('rejects a view over a truncated buffer without a RangeError', () => {
    expect(readAll(new RecordBatch(good.subarray(0, 30)))).toBeInstanceOf(CorruptRecordError);
    expect(readAll(new RecordBatch(good.subarray(0, good.length - 1)))).toBeInstanceOf(CorruptRecordError);
  });
});
