import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  offsetFileStem,
  parsePartitionDirName,
  parseSegmentFileName,
  partitionDirName,
  segmentFileName,
  segmentFilePath,
} from '../../../engine/segment/segment-files.js';

describe('segment file names', () => {
  it('are the base offset zero-padded to 20 digits', () => {
    expect(offsetFileStem(0)).toBe('00000000000000000000');
    expect(offsetFileStem(1234)).toBe('00000000000000001234');
    expect(offsetFileStem(2 ** 53 - 1)).toBe('00009007199254740991');
    expect(segmentFileName(0, 'log')).toBe('00000000000000000000.log');
    expect(segmentFileName(42, 'index')).toBe('00000000000000000042.index');
    expect(segmentFileName(170_000, 'timeindex')).toBe('00000000000000170000.timeindex');
    expect(segmentFilePath('/data/t-0', 7, 'log')).toBe(path.join('/data/t-0', '00000000000000000007.log'));
    for (const n of [0, 9, 10, 999_999_999_999, 2 ** 53 - 1]) expect(offsetFileStem(n)).toHaveLength(20);
  });

  it('parse back to base offset, kind and a live state', () => {
    for (const offset of [0, 1, 1234, 4_294_967_296, 2 ** 53 - 1]) {
      for (const kind of ['log', 'index', 'timeindex'] as const) {
        expect(parseSegmentFileName(segmentFileName(offset, kind))).toEqual({
          baseOffset: offset,
          kind,
          state: '',
        });
      }
    }
  });

  it('parse the .deleted, .cleaned and .swap states', () => {
    expect(parseSegmentFileName('00000000000000000100.log.deleted')).toEqual({
      baseOffset: 100,
      kind: 'log',
      state: '.deleted',
    });
    expect(parseSegmentFileName('00000000000000000100.index.cleaned')).toEqual({
      baseOffset: 100,
      kind: 'index',
      state: '.cleaned',
    });
    expect(parseSegmentFileName('00000000000000000007.timeindex.swap')).toEqual({
      baseOffset: 7,
      kind: 'timeindex',
      state: '.swap',
    });
  });

  it('give undefined for anything else', () => {
    for (const name of [
      '',
      'leader-epoch-checkpoint',
      'partition.metadata',
      '00000000000000000000.snapshot',
      '00000000000000000000.txnindex',
      '00000000000000000000.log.tmp',
      '00000000000000000000.log.deleted.swap',
      '00000000000000000000.log.truncating',
      '0000000000000000000.log',
      '000000000000000000000.log',
      '1234.log',
      '0000000000000000000a.log',
      ' 00000000000000000000.log',
      '00000000000000000000.LOG',
      '00000000000000000000log',
      '00000000000000000000.',
      '-0000000000000000001.log',
    ]) {
      expect(parseSegmentFileName(name), name).toBeUndefined();
    }
  });
});

describe('partition directory names', () => {
  it('are <topic>-<partition> and parse back', () => {
    expect(partitionDirName('orders', 0)).toBe('orders-0');
    for (const [topic, partition] of [
      ['orders', 0],
      ['my-topic', 3],
      ['a-b-c-d', 17],
      ['__consumer_offsets', 49],
      ['with.dots_and-dashes', 1000],
      ['x', 2147483647],
      ['a--', 5],
    ] as const) {
      expect(parsePartitionDirName(partitionDirName(topic, partition))).toEqual({ topic, partition });
    }
  });

  it('take the partition after the last dash', () => {
    expect(parsePartitionDirName('my-topic-12')).toEqual({ topic: 'my-topic', partition: 12 });
    expect(parsePartitionDirName('2024-01-5')).toEqual({ topic: '2024-01', partition: 5 });
  });

  it('give undefined for names that are not partition directories', () => {
    for (const name of [
      '',
      'orders',
      '-1',
      '-',
      'orders-',
      'orders-x',
      'orders-1a',
      'orders-1.5',
      'orders-0.a1b2c3-delete',
      'orders-0.a1b2c3-future',
      'my topic-0',
      'tópico-0',
      'a/b-0',
      'orders-+1',
    ]) {
      expect(parsePartitionDirName(name), name).toBeUndefined();
    }
  });
});
