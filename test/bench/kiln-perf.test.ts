// The command lines of `kiln perf` and the parser of its --json result.
import { describe, expect, it } from 'vitest';
import { parsePerfJson, perfConsumeArgs, perfProduceArgs, perfReport } from '../../bench/e2e/kiln-perf.js';

const PRODUCE = JSON.stringify({
  mode: 'produce',
  records: 1000,
  bytes: 100000,
  seconds: 0.5,
  recordsPerSec: 2000,
  mbPerSec: 0.2,
  latencyMs: { avg: 1.5, p50: 1.2, p95: 3, p99: 4.5, p999: 6, max: 9 },
  errors: 0,
  requests: 10,
  config: { acks: 1 },
});
const CONSUME = JSON.stringify({
  mode: 'consume',
  records: 1000,
  bytes: 100000,
  batchBytes: 120000,
  seconds: 0.1,
  recordsPerSec: 10000,
  mbPerSec: 1,
  fetches: 3,
  latencyMs: null,
  config: {},
});

describe('kiln perf results', () => {
  it('reads the JSON line among other output', () => {
    const r = parsePerfJson(`warming up\n${PRODUCE}\n`);
    expect(r).toMatchObject({ mode: 'produce', records: 1000, recordsPerSec: 2000, errors: 0 });
    expect(r?.latencyMs).toMatchObject({ p99: 4.5, p999: 6 });
    expect(parsePerfJson(CONSUME)?.latencyMs).toBeNull();
    expect(parsePerfJson('{"not":"perf"}\nnothing')).toBeNull();
  });

  it('checks mode, count and errors', () => {
    expect(perfReport(PRODUCE, 'produce', 1000)).toMatchObject({
      records: 1000,
      seconds: 0.5,
      summary: PRODUCE,
    });
    expect(perfReport(PRODUCE, 'consume', 1000)).toMatch(/mode produce/);
    expect(perfReport(CONSUME, 'consume', 2000)).toMatch(/1000 of 2000/);
    expect(perfReport(PRODUCE.replace('"errors":0', '"errors":2'), 'produce', 1000)).toMatch(/2 errors/);
    expect(perfReport('', 'produce', 1)).toMatch(/no JSON/);
  });

  it('builds the command lines of the interface', () => {
    const produce = perfProduceArgs({
      bootstrap: 'h:1',
      topic: 't',
      records: 10,
      recordSize: 100,
      acks: -1,
      compression: 'lz4',
      throughput: 500,
    });
    expect(produce.join(' ')).toBe(
      'perf produce --bootstrap-server h:1 --topic t --num-records 10 --record-size 100 --acks all --compression lz4 --throughput 500 --reporting-interval 0 --json',
    );
    expect(perfConsumeArgs({ bootstrap: 'h:1', topic: 't', records: 10, from: 'beginning' }).join(' ')).toBe(
      'perf consume --bootstrap-server h:1 --topic t --num-records 10 --from beginning --reporting-interval 0 --json',
    );
  });
});
