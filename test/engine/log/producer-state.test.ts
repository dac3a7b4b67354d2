import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DuplicateSequenceError,
  InvalidProducerEpochError,
  OutOfOrderSequenceError,
} from '../../../engine/errors.js';
import { parseLogConfig } from '../../../engine/log/log-config.js';
import { PartitionLog } from '../../../engine/log/partition-log.js';
import { listSnapshots } from '../../../engine/log/producer-snapshot.js';
import { ProducerState, type ProducerEntry } from '../../../engine/log/producer-state.js';
import { buildBatch } from '../../../engine/record/batch-builder.js';
import { MappingBudget } from '../../../engine/segment/mapping-budget.js';
import { decodeRecords } from '../../helpers/log-fixtures.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';

/** A batch of `count` records from producer `pid`, epoch `epoch`, starting at sequence `seq`. */
function idempotent(pid: number, epoch: number, seq: number, count = 2, tag = `p${pid}s${seq}`): Buffer {
  const records = Array.from({ length: count }, (_, i) => ({ key: `${tag}-${i}`, value: 'v' }));
  return buildBatch({ records, producerId: pid, producerEpoch: epoch, baseSequence: seq });
}

describe('idempotent producers', () => {
  let root: string;
  let dir: string;
  const open = (cleanShutdown = true, props: Record<string, string> = {}): PartitionLog =>
    PartitionLog.open({
      dir,
      topic: 'idem',
      partition: 0,
      config: parseLogConfig(props),
      budget: new MappingBudget(8),
      cleanShutdown,
    });
  beforeEach(() => {
    root = makeTempDir();
    dir = path.join(root, 'idem-0');
  });
  afterEach(() => removeTempDir(root));

  it('appends consecutive sequences and answers a retry with the original offsets, writing nothing', async () => {
    const log = open();
    expect(log.append(idempotent(7, 0, 0)).firstOffset).toBe(0);
    expect(log.append(idempotent(7, 0, 2)).firstOffset).toBe(2);
    const retry = log.append(idempotent(7, 0, 0));
    expect([retry.firstOffset, retry.lastOffset, retry.logEndOffset]).toEqual([0, 1, 4]);
    expect(decodeRecords((await log.read(0, 1 << 20)).records)).toHaveLength(4);
    log.close();
  });

  it('rejects a gap in the sequence', () => {
    const log = open();
    log.append(idempotent(8, 0, 0));
    expect(() => log.append(idempotent(8, 0, 3))).toThrow(OutOfOrderSequenceError);
    expect(log.logEndOffset).toBe(2);
    log.close();
  });

  it('takes a producer it holds no state for at any sequence (KIP-360), then holds it to it', () => {
    const log = open();
    // Its earlier batches went with retention, say: the partition only knows what comes now.
    expect(log.append(idempotent(8, 0, 5)).firstOffset).toBe(0);
    expect(log.append(idempotent(8, 0, 5)).firstOffset).toBe(0); // its retry is still a retry
    expect(() => log.append(idempotent(8, 0, 9))).toThrow(OutOfOrderSequenceError);
    expect(log.append(idempotent(8, 0, 7)).firstOffset).toBe(2);
    log.close();
  });

  it('fences an older epoch and lets a new epoch start over at 0', () => {
    const log = open();
    log.append(idempotent(9, 1, 0));
    expect(() => log.append(idempotent(9, 0, 2))).toThrow(InvalidProducerEpochError);
    expect(() => log.append(idempotent(9, 2, 2))).toThrow(OutOfOrderSequenceError);
    expect(log.append(idempotent(9, 2, 0)).firstOffset).toBe(2);
    log.close();
  });

  it('says a retry older than the five remembered batches is a duplicate it cannot answer', () => {
    const log = open();
    for (let i = 0; i < 7; i++) log.append(idempotent(10, 0, i * 2));
    expect(() => log.append(idempotent(10, 0, 0))).toThrow(DuplicateSequenceError);
    expect(log.append(idempotent(10, 0, 4)).firstOffset).toBe(4);
    log.close();
  });

  it('keeps its state across a clean restart through a snapshot', () => {
    const log = open();
    log.append(idempotent(11, 0, 0));
    log.append(idempotent(11, 0, 2));
    log.close();
    expect(listSnapshots(dir)).toEqual([4]);
    const again = open();
    expect(again.append(idempotent(11, 0, 2)).firstOffset).toBe(2); // the retry is still recognised
    expect(() => again.append(idempotent(11, 0, 9))).toThrow(OutOfOrderSequenceError);
    expect(again.append(idempotent(11, 0, 4)).firstOffset).toBe(4);
    again.close();
  });

  it('rebuilds its state from the log after a crash, with no snapshot to start from', () => {
    const log = open();
    log.append(idempotent(12, 3, 0));
    log.append(idempotent(12, 3, 2));
    // No close: no snapshot is written. The old instance is abandoned.
    const recovered = open(false);
    expect(listSnapshots(dir)).toEqual([]);
    expect(recovered.append(idempotent(12, 3, 2)).firstOffset).toBe(2);
    expect(recovered.append(idempotent(12, 3, 4)).firstOffset).toBe(4);
    expect(() => recovered.append(idempotent(12, 2, 6))).toThrow(InvalidProducerEpochError);
    recovered.close();
  });

  it('snapshots at each roll and replays only from there; truncation forgets later state', () => {
    const log = open(true, { 'segment.bytes': '300' });
    for (let i = 0; i < 6; i++) log.append(idempotent(13, 0, i * 2));
    expect(log.segments().length).toBeGreaterThan(1);
    expect(listSnapshots(dir).length).toBeGreaterThan(0);
    log.truncateTo(6);
    expect(log.logEndOffset).toBe(6);
    expect(listSnapshots(dir).every((offset) => offset <= 6)).toBe(true);
    // Sequences 6.. were cut away with their records: the producer may send them again.
    expect(log.append(idempotent(13, 0, 6)).firstOffset).toBe(6);
    log.close();
    expect(fs.existsSync(dir)).toBe(true);
  });

  it('leaves batches without a producer id alone', () => {
    const log = open();
    log.append(buildBatch({ records: [{ value: 'a' }] }));
    log.append(buildBatch({ records: [{ value: 'a' }] }));
    expect(log.logEndOffset).toBe(2);
    expect(log.producers.size).toBe(0);
    log.close();
  });

  it('a producer writing old timestamps is not idle while it writes; expired, it is gone', () => {
    const log = open();
    const twoDaysAgo = Date.now() - 2 * DAY;
    log.append(
      buildBatch({
        records: [{ value: 'a', timestamp: twoDaysAgo }],
        producerId: 20,
        producerEpoch: 0,
        baseSequence: 0,
      }),
    );
    expect(log.producers.expire(Date.now(), DAY)).toBe(0);
    expect(log.producers.expire(Date.now() + 2 * DAY, DAY)).toBe(1);
    expect(log.producers.size).toBe(0);
    log.close();
  });

  it('a producer forgotten by expiry stays forgotten across a restart (the last snapshot written brought it back)', () => {
    const log = open();
    log.append(idempotent(7, 0, 0));
    log.roll(); // a snapshot naming producer 7
    log.append(idempotent(8, 0, 0));
    expect(log.producers.expire(Date.now() + 2 * DAY, DAY)).toBe(2);
    log.close();
    const again = open();
    expect(again.producers.size).toBe(0);
    expect(again.append(idempotent(7, 0, 5)).firstOffset).toBe(4); // taken at any sequence (KIP-360)
    again.close();
  });

  it("a follower's truncation that restores an older snapshot does not bring back a producer that expired", () => {
    const log = open(true, { 'segment.bytes': '300' });
    const old = (pid: number, seq: number) =>
      buildBatch({
        records: [{ value: 'a'.repeat(100), timestamp: Date.now() - 2 * DAY }],
        producerId: pid,
        producerEpoch: 0,
        baseSequence: seq,
      });
    for (let i = 0; i < 4; i++) log.append(old(30, i));
    expect(listSnapshots(dir).length).toBeGreaterThan(0); // snapshots naming producer 30
    // Still writing, though with old timestamps: a truncation keeps it.
    log.truncateTo(3);
    expect(log.producers.get(30)).toBeDefined();
    expect(log.append(old(30, 3)).firstOffset).toBe(3);
    // Expired, then a truncation back into the snapshots: it stays forgotten (it came back before).
    expect(log.producers.expire(Date.now() + 2 * DAY, DAY)).toBe(1);
    log.truncateTo(2);
    expect(log.producers.get(30)).toBeUndefined();
    log.close();
  });
});

const DAY = 86_400_000;

describe('ProducerState.reload', () => {
  const entry = (producerId: number): ProducerEntry => ({
    producerId,
    epoch: 0,
    batches: [{ firstSeq: 0, lastSeq: 0, firstOffset: producerId, lastOffset: producerId }],
    lastTimestamp: Date.now() - 2 * DAY,
  });

  it('a reload after one that failed part-way forgets no producer for being unknown (a failed rebuild lost them before)', () => {
    const state = new ProducerState();
    for (const id of [1, 2, 3]) state.restore(entry(id));
    expect(state.expire(Date.now(), DAY)).toBe(3); // all forgotten: an older snapshot names them
    state.restore(entry(2)); // 2 writes again
    expect(() =>
      state.reload(() => {
        state.clear();
        throw new Error('segment cut under the replay');
      }),
    ).toThrow(/segment cut/);
    // The rebuild after the failure brings 2 back, and 1 and 3 from the snapshot: none is
    // dropped, since what was known (nothing, after the failure) is not the whole.
    state.reload(() => {
      state.clear();
      for (const id of [1, 2, 3]) state.restore(entry(id));
    });
    expect([1, 2, 3].map((id) => state.get(id) !== undefined)).toEqual([true, true, true]);
    // A reload after a whole one drops what it brings back unknown again (1, 3 expire once more).
    expect(state.expire(Date.now(), DAY)).toBe(3);
    state.restore(entry(2));
    state.reload(() => {
      state.clear();
      for (const id of [1, 2, 3]) state.restore(entry(id));
    });
    expect([1, 2, 3].map((id) => state.get(id) !== undefined)).toEqual([false, true, false]);
  });
});
