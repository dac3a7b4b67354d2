import { describe, expect, it } from 'vitest';
import type { Logger } from '../../../server/logger.js';
import { MAX_LINES, ProduceRefusals } from '../../../server/handlers/produce-refusals.js';
import { ErrorCode } from '../../../server/protocol/error-codes.js';

function recorder(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const log = { info: (_fields: object, msg: string) => lines.push(msg) } as unknown as Logger;
  return { log, lines };
}

describe('ProduceRefusals', () => {
  it('logs the first refusal of a partition at once, naming the error', () => {
    const { log, lines } = recorder();
    new ProduceRefusals(log, { intervalMs: 10_000, now: () => 0 }).note(
      't',
      2,
      ErrorCode.NOT_ENOUGH_REPLICAS,
      'c',
    );
    expect(lines).toEqual(['produce to t-2 refused: NOT_ENOUGH_REPLICAS']);
  });

  it('a partition refused many times a second is logged once per interval, with the count between', () => {
    const { log, lines } = recorder();
    let now = 0;
    const refusals = new ProduceRefusals(log, { intervalMs: 10_000, now: () => now });
    for (; now < 25_000; now += 100) refusals.note('t', 0, ErrorCode.NOT_LEADER_OR_FOLLOWER, null);
    expect(lines).toEqual([
      'produce to t-0 refused: NOT_LEADER_OR_FOLLOWER',
      'produce to t-0 refused: NOT_LEADER_OR_FOLLOWER (and 99 more since the last line)',
      'produce to t-0 refused: NOT_LEADER_OR_FOLLOWER (and 99 more since the last line)',
    ]);
  });

  it('each partition and each error has its own line', () => {
    const { log, lines } = recorder();
    const refusals = new ProduceRefusals(log, { intervalMs: 10_000, now: () => 0 });
    refusals.note('t', 0, ErrorCode.NOT_ENOUGH_REPLICAS, null);
    refusals.note('t', 1, ErrorCode.NOT_ENOUGH_REPLICAS, null);
    refusals.note('t', 0, ErrorCode.REQUEST_TIMED_OUT, null);
    refusals.note('t', 0, ErrorCode.NOT_ENOUGH_REPLICAS, null);
    expect(lines).toHaveLength(3);
  });

  it('a client naming ever new partitions gets at most MAX_LINES lines an interval, then one line with the rest counted', () => {
    const { log, lines } = recorder();
    let now = 0;
    const refusals = new ProduceRefusals(log, { intervalMs: 10_000, now: () => now });
    for (let i = 0; i < 5000; i++)
      refusals.note(`no-such-topic-${i}`, 0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, null);
    expect(lines).toHaveLength(MAX_LINES);
    now = 10_000;
    refusals.note('t', 0, ErrorCode.NOT_ENOUGH_REPLICAS, null);
    expect(lines.slice(MAX_LINES)).toEqual([
      `${5000 - MAX_LINES} more produce refusal(s) not logged: over ${MAX_LINES} lines in 10 s`,
      'produce to t-0 refused: NOT_ENOUGH_REPLICAS',
    ]);
  });

  it("a refusal that says replication holds the partition up carries the leader's view; others do not ask for it", () => {
    const { log, lines } = recorder();
    const asked: string[] = [];
    const refusals = new ProduceRefusals(log, {
      intervalMs: 10_000,
      now: () => 0,
      explain: (topic, partition) => {
        asked.push(`${topic}-${partition}`);
        return topic === 't' ? 'leader at epoch 3: high watermark 7' : undefined;
      },
    });
    refusals.note('t', 0, ErrorCode.REQUEST_TIMED_OUT, null);
    refusals.note('t', 0, ErrorCode.NOT_LEADER_OR_FOLLOWER, null);
    refusals.note('t', 1, ErrorCode.NOT_ENOUGH_REPLICAS, null);
    refusals.note('u', 0, ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND, null);
    // Held back (same partition and error within the interval): nothing is asked.
    refusals.note('t', 0, ErrorCode.REQUEST_TIMED_OUT, null);
    expect(lines).toEqual([
      'produce to t-0 refused: REQUEST_TIMED_OUT; leader at epoch 3: high watermark 7',
      'produce to t-0 refused: NOT_LEADER_OR_FOLLOWER',
      'produce to t-1 refused: NOT_ENOUGH_REPLICAS; leader at epoch 3: high watermark 7',
      'produce to u-0 refused: NOT_ENOUGH_REPLICAS_AFTER_APPEND',
    ]);
    expect(asked).toEqual(['t-0', 't-1', 'u-0']);
  });
});
