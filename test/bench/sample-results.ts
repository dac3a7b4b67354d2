// Made-up case results for the tests of the table, the chart and the targets: one shape per case,
// with figures chosen so that some targets are met and some are not.
import type { ClusterBrokerResult, ClusterCaseResult } from '../../bench/e2e/cluster-case.js';
import type { BenchCase } from '../../bench/e2e/matrix.js';
import type { ProduceWindow } from '../../bench/e2e/reassign-produce.js';
import type { ReassignResult } from '../../bench/e2e/reassign-run.js';
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

/** A made-up cluster case: broker 1 leads, 2 and 3 follow at the given CPU s/GB. */
export function clusterResult(
  recordSize: number,
  acks: '1' | 'all',
  recordsPerSec: number,
  followerCpuPerGb: [number, number],
): ClusterCaseResult {
  const size = recordSize >= 1024 ? '1k' : `${recordSize}b`;
  const id = `cluster-${size}-p1-rf3-acks${acks}`;
  const records = 100_000;
  const payloadBytes = records * recordSize;
  const broker = (brokerId: number, perGb: number): ClusterBrokerResult => ({
    brokerId,
    role: brokerId === 1 ? 'leader' : 'follower',
    leads: brokerId === 1 ? 1 : 0,
    command: `node server/main.js --override broker.id=${brokerId}`,
    cpuSeconds: (perGb * payloadBytes) / 1e9,
    cpuSecondsPerGb: perGb,
    mainThreadCpuSeconds: (perGb * payloadBytes) / 2e9,
    vmHwm: 100e6 + brokerId * 1e6,
    eventLoopDelayMs: { max: 5 + brokerId, p99: 2, mean: 1 },
    replicationLatencyMs:
      brokerId === 1 && acks === 'all' ? { count: 1234, p50: 1.25, p99: 8.5, max: 20 } : null,
  });
  return {
    id,
    brokerCount: 3,
    replicationFactor: 3,
    recordSize,
    partitions: 1,
    acks,
    records,
    topic: `e2e-${id}`,
    error: null,
    brokerDied: false,
    zookeeperConnect: `127.0.0.1:2181/${id}-1`,
    produceCommand: 'kiln perf produce',
    client: {
      records,
      bytes: payloadBytes,
      seconds: records / recordsPerSec,
      recordsPerSec,
      mbPerSec: (recordsPerSec * recordSize) / 1e6,
      latencyMs: { avg: 2, p50: 1.5, p99: 9, p999: 12, max: 15 },
      summary: '{}',
    },
    clientCpuSeconds: 1,
    clientWallSeconds: records / recordsPerSec,
    payloadBytes,
    catchUpMs: 3,
    brokers: [broker(1, 2.5), broker(2, followerCpuPerGb[0]), broker(3, followerCpuPerGb[1])],
    wallSeconds: 10,
  };
}

/** A made-up reassignment variant: `bytes` copied in `seconds`, the producer's p99 per window. */
export function reassignResult(
  throttleBytesPerSec: number | null,
  bytes: number,
  seconds: number,
  p99: { before: number[]; during: number[] },
): ReassignResult {
  const latency = (value: number) => ({
    avg: value / 4,
    p50: value / 5,
    p99: value,
    p999: value,
    max: value,
  });
  const window = (value: number, i: number, start: number): ProduceWindow => ({
    startMs: start + i * 1000 - 800,
    producingMs: start + i * 1000,
    endMs: start + (i + 1) * 1000,
    records: 1000,
    retries: i,
    latencyMs: latency(value),
    command: 'kiln perf produce',
    error: null,
  });
  return {
    id:
      throttleBytesPerSec === null
        ? 'reassign-no-throttle'
        : `reassign-throttle-${throttleBytesPerSec / 1e6}mbps`,
    throttleBytesPerSec,
    brokerCount: 3,
    from: [1, 2],
    to: [3, 2],
    fillRecords: 14_648,
    recordSize: 1024,
    produceRecordsPerSec: 1000,
    windowSeconds: 1,
    beforeWindows: p99.before.length,
    topic: 'e2e-reassign',
    error: null,
    brokerDied: false,
    zookeeperConnect: '127.0.0.1:2181/reassign-1',
    brokerCommands: [],
    fillCommand: 'kiln perf produce',
    fill: null,
    throttle: null,
    before: p99.before.map((v, i) => window(v, i, -1000 * p99.before.length - 500)),
    during: p99.during.map((v, i) => window(v, i, -200)),
    afterMove: [],
    duringCoverage: 0.9,
    produceP99BeforeMs: Math.max(...p99.before),
    produceP99DuringMs: Math.max(...p99.during),
    bytesToCopy: bytes,
    bytesAtEnd: bytes + 1e6,
    moveSeconds: seconds,
    copyMbPerSec: bytes / 1e6 / seconds,
    pollIntervalMs: 100,
    polls: Math.ceil(seconds * 10),
    after: { replicas: [3, 2], isr: [2, 3], leader: 3 },
    wallSeconds: 20,
  };
}
