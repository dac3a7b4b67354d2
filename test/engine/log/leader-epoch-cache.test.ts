import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StorageError } from '../../../engine/errors.js';
import {
  LEADER_EPOCH_CHECKPOINT,
  LeaderEpochCache,
  UNDEFINED_EPOCH,
  UNDEFINED_EPOCH_OFFSET,
} from '../../../engine/log/leader-epoch-cache.js';
import { buildBatch } from '../../../engine/record/batch-builder.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';

const UNDEFINED = { epoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };

describe('LeaderEpochCache', () => {
  let dir: string;
  let said: string[];
  let file: string;
  const load = (): LeaderEpochCache => LeaderEpochCache.load(dir, (m) => said.push(m));
  const withEntries = (...entries: [number, number][]): LeaderEpochCache => {
    const cache = load();
    for (const [epoch, start] of entries) cache.assign(epoch, start);
    return cache;
  };
  const pairs = (cache: LeaderEpochCache): [number, number][] =>
    cache.epochEntries().map((e) => [e.epoch, e.startOffset]);

  beforeEach(() => {
    dir = makeTempDir();
    file = path.join(dir, LEADER_EPOCH_CHECKPOINT);
    said = [];
  });
  afterEach(() => removeTempDir(dir));

  describe('assign', () => {
    it('starts empty, with no file, and records new epochs in order', () => {
      const cache = load();
      expect(cache.latestEpoch).toBe(-1);
      expect(cache.epochEntries()).toEqual([]);
      expect(fs.existsSync(file)).toBe(false);
      expect(cache.assign(0, 0)).toBe(true);
      expect(cache.assign(2, 10)).toBe(true);
      expect(cache.latestEpoch).toBe(2);
      expect(pairs(cache)).toEqual([
        [0, 0],
        [2, 10],
      ]);
    });

    it('does nothing for the latest epoch again, and writes nothing', () => {
      const cache = withEntries([1, 5]);
      fs.rmSync(file);
      expect(cache.assign(1, 9)).toBe(false);
      expect(pairs(cache)).toEqual([[1, 5]]);
      expect(fs.existsSync(file)).toBe(false);
    });

    it('ignores an older epoch, with a line said', () => {
      const cache = withEntries([1, 5], [3, 10]);
      expect(cache.assign(2, 20)).toBe(false);
      expect(pairs(cache)).toEqual([
        [1, 5],
        [3, 10],
      ]);
      expect(said.join('\n')).toMatch(/epoch 2 .* older than the latest 3/);
    });

    it('ignores negative epochs and refuses negative offsets', () => {
      const cache = load();
      expect(cache.assign(-1, 0)).toBe(false);
      expect(cache.latestEpoch).toBe(-1);
      expect(() => cache.assign(1, -1)).toThrow(RangeError);
    });

    it('drops entries that start at or after the new epoch', () => {
      const cache = withEntries([1, 5], [2, 10], [3, 20]);
      expect(cache.assign(4, 10)).toBe(true);
      expect(pairs(cache)).toEqual([
        [1, 5],
        [4, 10],
      ]);
      expect(said.join('\n')).toMatch(/drops entries \(2, 10\) \(3, 20\)/);
    });

    it('replaces an epoch that never wrote anything without a warning', () => {
      const cache = withEntries([1, 0], [2, 10]);
      expect(cache.assign(3, 10)).toBe(true);
      expect(pairs(cache)).toEqual([
        [1, 0],
        [3, 10],
      ]);
      expect(said).toEqual([]);
    });

    it('keeps the cache as it was when the file cannot be written', () => {
      const cache = withEntries([1, 5]);
      fs.mkdirSync(`${file}.tmp`); // the temporary file cannot be opened for writing
      expect(() => cache.assign(2, 9)).toThrow(StorageError);
      expect(pairs(cache)).toEqual([[1, 5]]);
      expect(cache.latestEpoch).toBe(1);
    });

    it("records a follower's epochs from its batches' headers", () => {
      const batch = (baseOffset: number, partitionLeaderEpoch: number, count = 2): Buffer =>
        buildBatch({
          baseOffset,
          partitionLeaderEpoch,
          records: Array.from({ length: count }, (_, i) => ({ value: `v${i}`, timestamp: 1 })),
        });
      const cache = load();
      const first = Buffer.concat([batch(0, -1), batch(2, 0), batch(4, 0), batch(6, 3), batch(8, 3)]);
      cache.recordAppend([first, batch(10, 5)], 'batches', 0);
      expect(pairs(cache)).toEqual([
        [0, 2],
        [3, 6],
        [5, 10],
      ]);
      // An older epoch in a header is not recorded.
      cache.recordAppend([batch(12, 4)], 'batches', 12);
      expect(cache.latestEpoch).toBe(5);
    });

    it("records a leader append's epoch once, at the first offset", () => {
      const cache = load();
      cache.recordAppend([], undefined, 0);
      expect(cache.latestEpoch).toBe(-1);
      cache.recordAppend([], 2, 7);
      cache.recordAppend([], 2, 9);
      expect(pairs(cache)).toEqual([[2, 7]]);
    });
  });

  describe('endOffsetFor', () => {
    it('answers (-1, -1) when empty or asked for -1', () => {
      expect(load().endOffsetFor(0, 10)).toEqual(UNDEFINED);
      expect(withEntries([0, 0]).endOffsetFor(UNDEFINED_EPOCH, 10)).toEqual(UNDEFINED);
    });

    it('answers the LEO for the latest epoch', () => {
      const cache = withEntries([2, 5], [3, 6], [4, 7]);
      expect(cache.endOffsetFor(4, 42)).toEqual({ epoch: 4, endOffset: 42 });
    });

    it('answers the start of the next epoch, with the largest epoch at or below the one asked', () => {
      const cache = withEntries([0, 10], [2, 13], [4, 17]);
      expect(cache.endOffsetFor(0, 30)).toEqual({ epoch: 0, endOffset: 13 });
      expect(cache.endOffsetFor(1, 30)).toEqual({ epoch: 0, endOffset: 13 });
      expect(cache.endOffsetFor(2, 30)).toEqual({ epoch: 2, endOffset: 17 });
      expect(cache.endOffsetFor(3, 30)).toEqual({ epoch: 2, endOffset: 17 });
    });

    it('answers the first start offset, with the epoch asked, for an epoch older than every entry', () => {
      const cache = withEntries([5, 11], [6, 12], [7, 13]);
      expect(cache.endOffsetFor(4, 20)).toEqual({ epoch: 4, endOffset: 11 });
    });

    it('answers (-1, -1) for an epoch beyond the latest', () => {
      expect(withEntries([2, 100]).endOffsetFor(3, 120)).toEqual(UNDEFINED);
    });
  });

  describe('truncation', () => {
    it('truncateFromEnd drops the epochs that start at or after the new end', () => {
      const cache = withEntries([2, 6], [3, 8], [4, 11]);
      cache.truncateFromEnd(11);
      expect(pairs(cache)).toEqual([
        [2, 6],
        [3, 8],
      ]);
      cache.truncateFromEnd(9);
      expect(cache.latestEpoch).toBe(3);
      cache.truncateFromEnd(8);
      expect(pairs(cache)).toEqual([[2, 6]]);
      expect(pairs(load())).toEqual([[2, 6]]);
    });

    it('truncateFromEnd past the last entry changes nothing and writes nothing', () => {
      const cache = withEntries([2, 6], [3, 8]);
      fs.rmSync(file);
      cache.truncateFromEnd(9);
      expect(pairs(cache)).toEqual([
        [2, 6],
        [3, 8],
      ]);
      expect(fs.existsSync(file)).toBe(false);
    });

    it('truncateFromStart keeps the epoch holding the new start, moved up to it', () => {
      const cache = withEntries([2, 6], [3, 8], [4, 11]);
      cache.truncateFromStart(9);
      expect(pairs(cache)).toEqual([
        [3, 9],
        [4, 11],
      ]);
      cache.truncateFromStart(15);
      expect(pairs(cache)).toEqual([[4, 15]]);
      expect(pairs(load())).toEqual([[4, 15]]);
    });

    it('truncateFromStart at or below the first entry changes nothing and writes nothing', () => {
      const cache = withEntries([2, 6], [3, 8]);
      fs.rmSync(file);
      cache.truncateFromStart(5);
      cache.truncateFromStart(6);
      expect(pairs(cache)).toEqual([
        [2, 6],
        [3, 8],
      ]);
      expect(fs.existsSync(file)).toBe(false);
      cache.truncateFromStart(8);
      expect(pairs(cache)).toEqual([[3, 8]]);
    });

    it('clear empties the cache and its file; delete removes the file', () => {
      const cache = withEntries([1, 0], [2, 4]);
      cache.clear();
      expect(cache.latestEpoch).toBe(-1);
      expect(fs.readFileSync(file, 'utf8')).toBe('0\n0\n');
      cache.assign(3, 10);
      cache.delete();
      expect(cache.epochEntries()).toEqual([]);
      expect(fs.existsSync(file)).toBe(false);
    });

    it('clear on a cache that never had a file creates none', () => {
      load().clear();
      expect(fs.existsSync(file)).toBe(false);
    });
  });

  describe('the file', () => {
    it("is Kafka's text format and reads back after a reopen", () => {
      withEntries([0, 0], [3, 120]);
      expect(fs.readFileSync(file, 'utf8')).toBe('0\n2\n0 0\n3 120\n');
      const again = load();
      expect(pairs(again)).toEqual([
        [0, 0],
        [3, 120],
      ]);
      expect(again.latestEpoch).toBe(3);
      expect(again.endOffsetFor(0, 200)).toEqual({ epoch: 0, endOffset: 120 });
    });

    it.each([
      ['garbage', 'not a checkpoint'],
      ['an unknown version', '1\n1\n0 0\n'],
      ['a wrong count', '0\n2\n0 0\n'],
      ['a bad line', '0\n1\n0 zero\n'],
      ['a negative epoch', '0\n1\n-1 0\n'],
      ['epochs out of order', '0\n2\n3 10\n2 20\n'],
      ['start offsets out of order', '0\n2\n2 20\n3 10\n'],
    ])('with %s is an empty cache, said, and is rewritten at the next change', (_, text) => {
      fs.writeFileSync(file, text);
      const cache = load();
      expect(cache.epochEntries()).toEqual([]);
      expect(cache.latestEpoch).toBe(-1);
      expect(said).toHaveLength(1);
      expect(said[0]).toContain(LEADER_EPOCH_CHECKPOINT);
      cache.assign(4, 0);
      expect(fs.readFileSync(file, 'utf8')).toBe('0\n1\n4 0\n');
    });
  });
});
