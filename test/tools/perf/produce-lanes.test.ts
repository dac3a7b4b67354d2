// A broker lane's request draining: one batch per partition per request, rotating, size-capped.
import { describe, expect, it } from 'vitest';
import type { Connection } from '../../../server/client/connection.js';
import { MAX_REQUEST_BYTES, ProduceLane, type BatchSlot } from '../../../tools/perf/produce-lanes.js';
import { ProduceRequestEncoder } from '../../../tools/perf/produce-request.js';
import { RecordBatchWriter } from '../../../tools/perf/record-batch-writer.js';

function slot(partition: number, bytes: number, name: string): BatchSlot & { name: string } {
  return {
    name,
    writer: new RecordBatchWriter(100),
    created: new Float64Array(1),
    partition,
    openedAt: 0,
    records: Buffer.alloc(bytes),
    attempts: 0,
  };
}

function lane(partitions: number[]): ProduceLane {
  const l = new ProduceLane(1, {} as Connection, 9, new ProduceRequestEncoder(9, 'c', 't', 1, 1000));
  l.partitions = partitions;
  return l;
}

const names = (batches: BatchSlot[]) => batches.map((b) => (b as BatchSlot & { name: string }).name);

describe('ProduceLane', () => {
  it('takes the oldest batch of each partition, starting one partition later each time', () => {
    const l = lane([0, 1, 2]);
    for (const s of [
      slot(0, 10, 'a0'),
      slot(0, 10, 'b0'),
      slot(1, 10, 'a1'),
      slot(2, 10, 'a2'),
      slot(2, 10, 'b2'),
    ]) {
      l.enqueue(s, false);
    }
    expect(l.ready).toBe(5);
    expect(names(l.takeRequest())).toEqual(['a0', 'a1', 'a2']);
    expect(l.ready).toBe(2);
    // The next request starts at partition 1 (empty now), then 2, then 0.
    expect(names(l.takeRequest())).toEqual(['b2', 'b0']);
    expect(l.ready).toBe(0);
    expect(l.takeRequest()).toEqual([]);
  });

  it('puts a retried batch first, and caps a request at max.request.size', () => {
    const l = lane([0, 1]);
    l.enqueue(slot(0, MAX_REQUEST_BYTES - 100, 'big'), false);
    l.enqueue(slot(0, 10, 'retry'), true);
    l.enqueue(slot(1, 200, 'other'), false);
    expect(names(l.takeRequest())).toEqual(['retry', 'other']);
    // A lone batch over the cap still goes; a second one would not fit beside it.
    l.enqueue(slot(1, 200, 'next'), false);
    expect(names(l.takeRequest())).toEqual(['next']);
    expect(names(l.takeRequest())).toEqual(['big']);
  });

  it('hands everything back for a rebuild', () => {
    const l = lane([0, 1]);
    l.enqueue(slot(0, 1, 'x'), false);
    l.enqueue(slot(1, 1, 'y'), false);
    expect(names(l.takeAll())).toEqual(['x', 'y']);
    expect(l.ready).toBe(0);
    expect(l.partitions).toEqual([]);
  });
});
