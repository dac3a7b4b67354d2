// The chaos run's checker, fed made-up acknowledgements and partitions: it must report a missing
// acknowledged record as lost (and fail the run), and tell duplicates, reordering and moved
// records apart from records that were simply never acknowledged.
import { describe, expect, it } from 'vitest';
import { checkRecords, passed, type StoredRecord } from '../../../bench/chaos/checker.js';
import type { AckedRecord } from '../../../bench/chaos/load-generator.js';
import { formatRecordValue, parseRecordValue } from '../../../bench/chaos/record-value.js';

/** Records of producer 0, instance 0, with these seqs at offsets 0, 1, 2, ... */
function partition(seqs: number[], incarnation = 0): StoredRecord[] {
  return seqs.map((seq, offset) => ({ offset, value: formatRecordValue(0, seq, incarnation, 100) }));
}

function acks(topicPartition: string, seqs: number[]): AckedRecord[] {
  const [topic, p] = topicPartition.split('/') as [string, string];
  return seqs.map((seq, offset) => ({ topic, partition: Number(p), offset, id: `0-${seq}` }));
}

describe('record values', () => {
  it('parse back what the producer writes, padding or not', () => {
    expect(parseRecordValue(formatRecordValue(3, 42, 1, 100))).toEqual({
      id: '3-42',
      producer: 3,
      seq: 42,
      incarnation: 1,
    });
    expect(formatRecordValue(3, 42, 1, 100)).toHaveLength(100);
    expect(parseRecordValue('3-42 1')).toMatchObject({ id: '3-42' });
    expect(parseRecordValue('hello')).toBeNull();
  });
});

describe('checkRecords', () => {
  it('passes when every acknowledged record is where it was acknowledged', () => {
    const stored = new Map([
      ['t/0', partition([0, 2, 4])],
      ['t/1', partition([1, 3])],
    ]);
    const acked = [
      ...acks('t/0', [0, 2, 4]),
      { topic: 't', partition: 1, offset: 0, id: '0-1' },
      { topic: 't', partition: 1, offset: 1, id: '0-3' },
    ];
    const result = checkRecords(acked, stored);
    expect(result).toMatchObject({
      acknowledged: 5,
      stored: 5,
      lost: 0,
      moved: 0,
      duplicated: 0,
      outOfOrder: 0,
    });
    expect(passed(result)).toBe(true);
  });

  it('reports an acknowledged record that is missing as lost, and fails', () => {
    // Acknowledged 0..4 at offsets 0..4, but the partition lost the record at offset 3.
    const held = [0, 1, 2, 4].map((seq) => ({ offset: seq, value: formatRecordValue(0, seq, 0, 100) }));
    const stored = new Map([['t/0', held]]);
    const result = checkRecords(acks('t/0', [0, 1, 2, 3, 4]), stored);
    expect(result.lost).toBe(1);
    expect(result.examples.lost).toEqual(['t/0@3 0-3']);
    expect(passed(result)).toBe(false);
  });

  it('counts records stored but never acknowledged, without failing', () => {
    const result = checkRecords(acks('t/0', [0, 1]), new Map([['t/0', partition([0, 1, 2])]]));
    expect(result.storedUnacknowledged).toBe(1);
    expect(passed(result)).toBe(true);
  });

  it('reports duplicates and ids going backwards within one producer instance', () => {
    const result = checkRecords(acks('t/0', [0, 1]), new Map([['t/0', partition([0, 1, 1, 3, 2])]]));
    expect(result.duplicated).toBe(1);
    expect(result.outOfOrder).toBe(1);
    expect(result.examples.outOfOrder).toEqual(['t/0@4 0-2 after 0-3']);
    expect(passed(result)).toBe(false);
  });

  it('does not hold a new producer instance to the order of the one before', () => {
    const stored = new Map([
      ['t/0', [...partition([5, 6]), ...partition([3], 1).map((r) => ({ ...r, offset: 2 }))]],
    ]);
    expect(checkRecords([], stored).outOfOrder).toBe(0);
  });

  it('reports an acknowledged record found only at another offset as moved', () => {
    const stored = new Map([['t/0', [{ offset: 7, value: formatRecordValue(0, 0, 0) }]]]);
    const result = checkRecords(acks('t/0', [0]), stored);
    expect(result.lost).toBe(0);
    expect(result.moved).toBe(1);
    expect(passed(result)).toBe(false);
  });

  it('holds an acknowledgement without an offset to its partition only', () => {
    const acked = [
      { topic: 't', partition: 0, offset: null, id: '0-1' },
      { topic: 't', partition: 1, offset: null, id: '0-0' },
    ];
    const result = checkRecords(acked, new Map([['t/0', partition([0, 1])]]));
    expect(result).toMatchObject({ ackedWithoutOffset: 2, lost: 0, moved: 1 });
    expect(result.examples.moved).toEqual(['0-0 acknowledged at t/1@?, found at t/0@0']);
  });

  it('counts values the load did not write apart', () => {
    const result = checkRecords([], new Map([['t/0', [{ offset: 0, value: 'something else' }]]]));
    expect(result.foreign).toBe(1);
    expect(passed(result)).toBe(true);
  });
});
