import { describe, expect, it } from 'vitest';
import {
  CorruptRecordError,
  InvalidRecordError,
  InvalidTimestampError,
  RecordTooLargeError,
} from '../../../engine/errors.js';
import { validateAndAssign, type AppendOptions } from '../../../engine/log/append-validator.js';
import { parseLogConfig } from '../../../engine/log/log-config.js';
import { buildBatch, type BuildBatchOptions } from '../../../engine/record/batch-builder.js';
import {
  RecordBatch,
  TimestampType,
  computeBatchCrc,
  setBaseOffset,
} from '../../../engine/record/record-batch.js';

const T0 = 1_700_000_000_000;
const LEADER: AppendOptions = { assignOffsets: true, now: T0 };
const defaults = parseLogConfig({});

function batch(timestamps: number[], extra: Omit<BuildBatchOptions, 'records'> = {}): Buffer {
  return buildBatch({
    records: timestamps.map((timestamp, i) => ({ key: `k${i}`, value: `v${i}`, timestamp })),
    ...extra,
  });
}

/** Three batches: 3 records (max T0+2), 2 records (max T0+10), 4 records (max T0+4). */
function threeBatches(): { buf: Buffer; starts: number[] } {
  const parts = [
    batch([T0, T0 + 1, T0 + 2]),
    batch([T0 + 10, T0 + 5]),
    batch([T0 + 1, T0 + 2, T0 + 3, T0 + 4]),
  ];
  const starts = [0, parts[0]!.length, parts[0]!.length + parts[1]!.length];
  return { buf: Buffer.concat(parts), starts };
}

function batchesOf(buf: Buffer): RecordBatch[] {
  const out: RecordBatch[] = [];
  for (let pos = 0; pos < buf.length; pos += out[out.length - 1]!.sizeInBytes)
    out.push(new RecordBatch(buf, pos));
  return out;
}

/** Rewrites an int32 header field and fixes the CRC, so only the rule under test can object. */
function patchInt32(buf: Buffer, pos: number, field: number, value: number): void {
  buf.writeInt32BE(value, pos + field);
  const size = buf.readInt32BE(pos + 8) + 12;
  buf.writeUInt32BE(computeBatchCrc(buf, pos, size), pos + 17);
}

describe('validateAndAssign: leader appends', () => {
  it('assigns offsets from nextOffset across the batches and reports the append', () => {
    const { buf } = threeBatches();
    const info = validateAndAssign(buf, 100, defaults, LEADER);
    expect(info).toEqual({
      firstOffset: 100,
      lastOffset: 108,
      maxTimestamp: T0 + 10,
      offsetOfMaxTimestamp: 104,
      logAppendTime: -1,
      batches: 3,
      records: 9,
      bytes: buf.length,
      logEndOffset: -1, // filled in by the log once written
    });
    const bs = batchesOf(buf);
    expect(bs.map((b) => [b.baseOffset, b.lastOffset])).toEqual([
      [100, 102],
      [103, 104],
      [105, 108],
    ]);
    for (const b of bs) {
      expect(b.isCrcValid()).toBe(true);
      expect(b.partitionLeaderEpoch).toBe(-1);
      expect(b.timestampType).toBe(TimestampType.CreateTime);
    }
  });

  it('overwrites whatever base offsets the producer sent', () => {
    const b = batch([T0, T0]);
    setBaseOffset(b, 0, 987_654);
    expect(validateAndAssign(b, 0, defaults, LEADER)).toMatchObject({ firstOffset: 0, lastOffset: 1 });
    expect(new RecordBatch(b).baseOffset).toBe(0);
  });

  it('stamps the leader epoch', () => {
    const { buf } = threeBatches();
    validateAndAssign(buf, 0, defaults, { ...LEADER, leaderEpoch: 17 });
    for (const b of batchesOf(buf)) {
      expect(b.partitionLeaderEpoch).toBe(17);
      expect(b.isCrcValid()).toBe(true);
    }
  });

  it('LogAppendTime stamps `now` on every batch and keeps the CRCs valid', () => {
    const { buf } = threeBatches();
    const now = T0 + 123_456;
    const config = parseLogConfig({ 'message.timestamp.type': 'LogAppendTime' });
    const info = validateAndAssign(buf, 10, config, { assignOffsets: true, now });
    expect(info.logAppendTime).toBe(now);
    expect(info.maxTimestamp).toBe(now);
    expect(info.offsetOfMaxTimestamp).toBe(12);
    expect(info.lastOffset).toBe(18);
    for (const b of batchesOf(buf)) {
      expect(b.timestampType).toBe(TimestampType.LogAppendTime);
      expect(b.maxTimestamp).toBe(now);
      expect(b.isCrcValid()).toBe(true);
    }
  });

  it('offsetOfMaxTimestamp is the last offset of the first batch with the largest timestamp', () => {
    const buf = Buffer.concat([batch([T0 + 1]), batch([T0 + 9, T0]), batch([T0 + 9])]);
    expect(validateAndAssign(buf, 50, defaults, LEADER)).toMatchObject({
      maxTimestamp: T0 + 9,
      offsetOfMaxTimestamp: 52,
    });
  });
});

describe('validateAndAssign: follower appends', () => {
  const FOLLOWER: AppendOptions = { assignOffsets: false, now: T0 };

  function laidOut(bases: number[]): Buffer {
    const { buf, starts } = threeBatches();
    bases.forEach((base, i) => setBaseOffset(buf, starts[i]!, base));
    return buf;
  }

  it('keeps the leader offsets, gaps included', () => {
    const buf = laidOut([50, 53, 60]);
    const before = Buffer.from(buf);
    const info = validateAndAssign(buf, 50, defaults, FOLLOWER);
    expect(info).toMatchObject({
      firstOffset: 50,
      lastOffset: 63,
      offsetOfMaxTimestamp: 54,
      batches: 3,
      records: 9,
    });
    expect(buf.equals(before)).toBe(true);
  });

  it('does not stamp LogAppendTime, but does stamp the epoch', () => {
    const buf = laidOut([0, 3, 5]);
    const config = parseLogConfig({ 'message.timestamp.type': 'LogAppendTime' });
    const info = validateAndAssign(buf, 0, config, { ...FOLLOWER, leaderEpoch: 4 });
    expect(info.logAppendTime).toBe(-1);
    for (const b of batchesOf(buf)) {
      expect(b.timestampType).toBe(TimestampType.CreateTime);
      expect(b.partitionLeaderEpoch).toBe(4);
      expect(b.isCrcValid()).toBe(true);
    }
  });

  it('rejects offsets that go backwards, before the log end or overlapping', () => {
    for (const [bases, next] of [
      [[50, 53, 60], 51],
      [[50, 52, 60], 50],
      [[50, 53, 54], 50],
    ] as [number[], number][]) {
      const buf = laidOut(bases);
      const before = Buffer.from(buf);
      expect(() => validateAndAssign(buf, next, defaults, { ...FOLLOWER, leaderEpoch: 9 })).toThrow(
        InvalidRecordError,
      );
      expect(buf.equals(before)).toBe(true);
    }
  });

  it('skips the producer rules (a control batch is fine)', () => {
    const b = batch([T0], { control: true });
    expect(validateAndAssign(b, 0, defaults, FOLLOWER).records).toBe(1);
  });
});

type Rejection = {
  name: string;
  damage: (buf: Buffer, pos: number) => void;
  error: new (...a: never[]) => Error;
};

const rejections: Rejection[] = [
  {
    name: 'count mismatch',
    damage: (b, p) => patchInt32(b, p, 23, b.readInt32BE(p + 57) + 2),
    error: InvalidRecordError,
  },
  {
    name: 'zero records',
    damage: (b, p) => {
      patchInt32(b, p, 57, 0);
      patchInt32(b, p, 23, 0);
    },
    error: InvalidRecordError,
  },
  { name: 'control batch', damage: (b, p) => patchInt16Attr(b, p, 0x20), error: InvalidRecordError },
  {
    name: 'producer id without sequence',
    damage: (b, p) => {
      b.writeBigInt64BE(5n, p + 43);
      patchInt32(b, p, 53, -1);
    },
    error: InvalidRecordError,
  },
  { name: 'bad CRC', damage: (b, p) => void (b[p + 40] = b[p + 40]! ^ 1), error: CorruptRecordError },
  {
    name: 'timestamp too old',
    damage: (b, p) => patchInt64(b, p, 27, T0 - 60_000),
    error: InvalidTimestampError,
  },
  {
    name: 'max timestamp too new',
    damage: (b, p) => patchInt64(b, p, 35, T0 + 60_000),
    error: InvalidTimestampError,
  },
];

function patchInt16Attr(buf: Buffer, pos: number, bits: number): void {
  buf.writeInt16BE(buf.readInt16BE(pos + 21) | bits, pos + 21);
  patchInt32(buf, pos, 23, buf.readInt32BE(pos + 23));
}

function patchInt64(buf: Buffer, pos: number, field: number, value: number): void {
  buf.writeBigInt64BE(BigInt(value), pos + field);
  patchInt32(buf, pos, 23, buf.readInt32BE(pos + 23));
}

describe('validateAndAssign: rejections', () => {
  const strict = parseLogConfig({ 'message.timestamp.difference.max.ms': '1000' });
  const options: AppendOptions = { assignOffsets: true, now: T0, leaderEpoch: 3 };

  for (const r of rejections) {
    for (const index of [0, 1, 2]) {
      it(`${r.name} in batch ${index} of 3 throws and patches nothing`, () => {
        const { buf, starts } = threeBatches();
        r.damage(buf, starts[index]!);
        const before = Buffer.from(buf);
        expect(() => validateAndAssign(buf, 1000, strict, options)).toThrow(r.error);
        expect(buf.equals(before)).toBe(true);
        const lat = parseLogConfig({ 'message.timestamp.type': 'LogAppendTime', 'max.message.bytes': '300' });
        if (!r.name.includes('timestamp')) {
          expect(() => validateAndAssign(buf, 1000, lat, options)).toThrow(r.error);
          expect(buf.equals(before)).toBe(true);
        }
      });
    }
  }

  it('an internal append may write a control batch', () => {
    const b = batch([T0], { control: true });
    expect(() => validateAndAssign(Buffer.from(b), 0, defaults, LEADER)).toThrow(InvalidRecordError);
    expect(validateAndAssign(b, 7, defaults, { ...LEADER, internal: true }).firstOffset).toBe(7);
  });

  it('a producer id with a sequence is accepted', () => {
    const b = batch([T0, T0], { producerId: 5, producerEpoch: 0, baseSequence: 0 });
    expect(validateAndAssign(b, 0, defaults, LEADER).records).toBe(2);
  });

  it('an empty buffer is rejected', () => {
    expect(() => validateAndAssign(Buffer.alloc(0), 0, defaults, LEADER)).toThrow(InvalidRecordError);
  });

  it('max.message.bytes: a batch over the limit is RecordTooLargeError, at the limit is fine', () => {
    const { buf, starts } = threeBatches();
    const size1 = starts[2]! - starts[1]!;
    const before = Buffer.from(buf);
    const tight = parseLogConfig({ 'max.message.bytes': String(size1 - 1) });
    let caught: unknown;
    try {
      validateAndAssign(buf, 0, tight, options);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(RecordTooLargeError);
    expect((caught as RecordTooLargeError).limit).toBe(size1 - 1);
    expect(buf.equals(before)).toBe(true);
    const exact = parseLogConfig({
      'max.message.bytes': String(Math.max(starts[1]!, size1, buf.length - starts[2]!)),
    });
    expect(validateAndAssign(buf, 0, exact, options).batches).toBe(3);
  });

  it('message.timestamp.difference.max.ms bounds both sides, inclusive', () => {
    const config = parseLogConfig({ 'message.timestamp.difference.max.ms': '1000' });
    expect(validateAndAssign(batch([T0 - 1000, T0 + 1000]), 0, config, LEADER).maxTimestamp).toBe(T0 + 1000);
    expect(() => validateAndAssign(batch([T0 - 1001]), 0, config, LEADER)).toThrow(InvalidTimestampError);
    expect(() => validateAndAssign(batch([T0 + 1001]), 0, config, LEADER)).toThrow(InvalidTimestampError);
    // Base timestamp is checked too, not only the max.
    expect(() => validateAndAssign(batch([T0 - 5000, T0]), 0, config, LEADER)).toThrow(InvalidTimestampError);
    // A batch already in LogAppendTime is not checked against the clock.
    const lat = batch([T0 - 50_000], { timestampType: TimestampType.LogAppendTime });
    expect(validateAndAssign(lat, 0, config, LEADER).records).toBe(1);
  });
});
