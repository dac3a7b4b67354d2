// Made-up case results for the tests of the table, the chart and the targets: one shape per case,
// with figures chosen so that some targets are met and some are not.
import type { BenchCase } from '../../bench/e2e/matrix.js';
import type { CaseResult, PhaseResult } from '../../bench/e2e/run-case.js';

export function phase(
  p: 'produce' | 'consume',
  recordsPerSec: number,
  recordSize: number,
  extra: Partial<PhaseResult> = {},
): PhaseResult {
  const records = 1_000_000;
  return {
    phase: p,
    command: `client --${p}`,
    error: null,
    client: {
      records,
      bytes: records * recordSize,
      seconds: records / recordsPerSec,
      recordsPerSec,
      mbPerSec: (recordsPerSec * recordSize) / 1e6,
      latencyMs: null,
      summary: '{}',
    },
    payloadBytes: records * recordSize,
    ratioToLimit: 0.5,
    brokerCpuSeconds: 0.1,
    brokerCpuSecondsPerGb: p === 'produce' ? 1.2 : 0.6,
    clientCpuSeconds: 0.3,
    clientWallSeconds: 1,
    brokerVmHwm: 120e6,
    brokerMemory: { vmRss: 110e6, rssAnon: 70e6, rssFile: 40e6, samples: 10 },
    eventLoopDelayMs: { max: 12.5, p99: 10, mean: 10.1 },
    ...extra,
  };
}

export function result(
  shape: Omit<BenchCase, 'id' | 'records'>,
  produceRate: number,
  consumeRate: number,
): CaseResult {
  const size = shape.recordSize >= 1024 ? '1k' : `${shape.recordSize}b`;
  const id = `${shape.client}-${size}-p${shape.partitions}-acks${shape.acks}-${shape.compression}`;
  return {
    ...shape,
    id,
    records: 1_000_000,
    topic: `e2e-${id}`,
    error: null,
    brokerDied: false,
    brokerCommand: 'node server/main.ts',
    produce: phase('produce', produceRate, shape.recordSize),
    consume: phase('consume', consumeRate, shape.recordSize),
    wallSeconds: 3,
  };
}

export function sampleCases(): CaseResult[] {
  const anchor = { recordSize: 100, partitions: 1, acks: '1', compression: 'none' } as const;
  const failed = result({ ...anchor, client: 'kiln', partitions: 8 }, 1, 1);
  failed.error = 'consume: kiln perf exited 3: <boom> & more';
  failed.consume = phase('consume', 1, 100, {
    error: 'kiln perf exited 3',
    client: null,
    brokerCpuSecondsPerGb: null,
  });
  return [
    result({ ...anchor, client: 'rdkafka' }, 1_300_000, 3_500_000),
    result({ ...anchor, client: 'rdkafka', recordSize: 1024 }, 300_000, 900_000),
    result({ ...anchor, client: 'kiln' }, 400_000, 1_000_000),
    failed,
  ];
}
