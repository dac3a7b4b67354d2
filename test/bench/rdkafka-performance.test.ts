// The command lines of rdkafka_performance and the parsers of its summary lines, against lines it
// printed against Kiln (librdkafka 2.0.2).
import { describe, expect, it } from 'vitest';
import {
  consumeArgs,
  consumeReport,
  parseConsumeSummary,
  parseProduceSummary,
  produceArgs,
  produceReport,
} from '../../bench/e2e/rdkafka-performance.js';

const PRODUCE_OUTPUT = `% Sending 1000000 messages of size 100 bytes
% 1000000 messages produced (100000000 bytes), 999020 delivered (offset 999019, 0 failed) in 1000ms: 998644 msgs/s and 99.86 MB/s, 7 produce failures, 980 in queue, no compression
% 7 backpressures for 1000000 produce calls: 0.001% backpressure rate
% 1000000 messages produced (100000000 bytes), 1000000 delivered (offset 999999, 0 failed) in 1369ms: 730286 msgs/s and 73.03 MB/s, 7 produce failures, 0 in queue, no compression
`;

const CONSUME_OUTPUT = `% 0 messages (0 bytes) consumed in 0ms: 0 msgs/s (0.00 MB/s)
% Consumer reached end of t8 [7] message queue at offset 505
% 1000000 messages (100000000 bytes) consumed in 215ms: 4648741 msgs/s (464.87 MB/s)
% Average application fetch latency: 0us
`;

describe('rdkafka_performance summaries', () => {
  it('takes the last producer line, not the per-second progress', () => {
    const s = parseProduceSummary(PRODUCE_OUTPUT);
    expect(s).toMatchObject({
      produced: 1_000_000,
      bytes: 100_000_000,
      delivered: 1_000_000,
      failed: 0,
      ms: 1369,
      msgsPerSec: 730286,
      mbPerSec: 73.03,
      produceFailures: 7,
      inQueue: 0,
      compression: 'no',
    });
  });

  it('reads the codec and the brief example line', () => {
    const line =
      '% 2000000 messages produced (200000000 bytes), 2000000 delivered (offset 1999999, 0 failed) in 1819ms: 1099401 msgs/s and 109.94 MB/s, 0 produce failures, 0 in queue, lz4 compression';
    expect(parseProduceSummary(line)).toMatchObject({
      delivered: 2_000_000,
      msgsPerSec: 1099401,
      compression: 'lz4',
    });
  });

  it('takes the last consumer line', () => {
    expect(parseConsumeSummary(CONSUME_OUTPUT)).toMatchObject({
      consumed: 1_000_000,
      bytes: 100_000_000,
      ms: 215,
      msgsPerSec: 4648741,
      mbPerSec: 464.87,
    });
    const example = '% 4000000 messages (400000000 bytes) consumed in 801ms: 4988949 msgs/s (498.89 MB/s)';
    expect(parseConsumeSummary(example)?.msgsPerSec).toBe(4988949);
  });

  it('finds nothing in other output', () => {
    expect(parseProduceSummary('% Sending 10 messages of size 100 bytes\n')).toBeNull();
    expect(parseConsumeSummary('')).toBeNull();
  });

  it('turns summaries into phase reports, refusing short counts', () => {
    expect(produceReport(PRODUCE_OUTPUT, 1_000_000)).toMatchObject({
      records: 1_000_000,
      seconds: 1.369,
      recordsPerSec: 730286,
      mbPerSec: 73.03,
    });
    expect(produceReport(PRODUCE_OUTPUT, 2_000_000)).toMatch(/1000000 of 2000000 records delivered/);
    expect(consumeReport(CONSUME_OUTPUT, 1_000_000)).toMatchObject({ records: 1_000_000, seconds: 0.215 });
    expect(consumeReport(CONSUME_OUTPUT, 1_000_001)).toMatch(/of 1000001 records consumed/);
    expect(consumeReport('garbage', 1)).toMatch(/no summary line/);
  });
});

describe('rdkafka_performance command lines', () => {
  const base = { topic: 't', bootstrap: '127.0.0.1:9', recordSize: 100, records: 5 };

  it('names partition 0 for one partition and leaves -p out for more', () => {
    expect(produceArgs({ ...base, acks: 1, partitions: 1, compression: 'none' }).join(' ')).toBe(
      '-P -t t -b 127.0.0.1:9 -s 100 -c 5 -a 1 -p 0',
    );
    expect(produceArgs({ ...base, acks: -1, partitions: 8, compression: 'lz4' }).join(' ')).toBe(
      '-P -t t -b 127.0.0.1:9 -s 100 -c 5 -a -1 -z lz4',
    );
  });

  it('consumes every partition from the beginning', () => {
    expect(consumeArgs({ topic: 't', bootstrap: 'h:1', records: 9, partitions: 3 }).join(' ')).toBe(
      '-C -t t -b h:1 -p 0 -p 1 -p 2 -o beginning -c 9',
    );
  });
});
