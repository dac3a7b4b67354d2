/**
 * The cases the end-to-end benchmark runs: client × record size × partitions × acks × codec, each
 * with its record count. The full run moves 2,000,000 records of 100 B (PERFORMANCE.md's anchor
 * workload) or 500,000 of 1 KiB per case; --scale multiplies the counts and --quick keeps a small
 * subset with small counts, for smoke tests. The cluster cases (buildClusterMatrix) are their own
 * list: record size × acks on three brokers with replication factor 3.
 */

export type ClientKind = 'rdkafka' | 'kiln';
export type Acks = '1' | 'all';
export type Codec = 'none' | 'lz4';

export interface BenchCase {
  /** e.g. rdkafka-100b-p1-acks1-none; also the topic's name, and what --only matches. */
  id: string;
  client: ClientKind;
  recordSize: number;
  partitions: number;
  acks: Acks;
  compression: Codec;
  records: number;
}

export const CLIENTS: readonly ClientKind[] = ['rdkafka', 'kiln'];
export const RECORD_SIZES = [100, 1024] as const;
export const PARTITIONS = [1, 8] as const;
export const ACKS: readonly Acks[] = ['1', 'all'];
export const CODECS: readonly Codec[] = ['none', 'lz4'];

/** Records per case at scale 1. */
export const BASE_RECORDS: Readonly<Record<number, number>> = { 100: 2_000_000, 1024: 500_000 };

/** --quick multiplies the counts by this and keeps, per client, a light case and a heavy one. */
export const QUICK_SCALE = 0.02;

export interface MatrixOptions {
  quick?: boolean;
  scale?: number;
  /** A regular expression; a case runs if its id matches. */
  only?: string;
}

export function caseId(c: Omit<BenchCase, 'id' | 'records'>): string {
  const size = c.recordSize >= 1024 ? `${c.recordSize / 1024}k` : `${c.recordSize}b`;
  return `${c.client}-${size}-p${c.partitions}-acks${c.acks}-${c.compression}`;
}

/** Kafka's acks on the command line of either client. */
export function acksNumber(acks: Acks): 1 | -1 {
  return acks === 'all' ? -1 : 1;
}

export function recordsFor(recordSize: number, scale: number): number {
  const base = BASE_RECORDS[recordSize] ?? Math.round(200_000_000 / recordSize);
  return Math.max(1000, Math.round(base * scale));
}

function isQuickCase(c: Omit<BenchCase, 'id' | 'records'>): boolean {
  const light = c.recordSize === 100 && c.partitions === 1 && c.acks === '1' && c.compression === 'none';
  const heavy = c.recordSize === 1024 && c.partitions === 8 && c.acks === 'all' && c.compression === 'lz4';
  return light || heavy;
}

/** The cases to run, in the order to run them (client by client, so the chart groups them). */
export function buildMatrix(options: MatrixOptions = {}): BenchCase[] {
  const scale = (options.scale ?? 1) * (options.quick ? QUICK_SCALE : 1);
  if (!(scale > 0)) throw new Error(`scale must be a positive number, got ${options.scale}`);
  const only = options.only ? new RegExp(options.only, 'i') : null;
  const cases: BenchCase[] = [];
  for (const client of CLIENTS) {
    for (const recordSize of RECORD_SIZES) {
      for (const partitions of PARTITIONS) {
        for (const acks of ACKS) {
          for (const compression of CODECS) {
            const shape = { client, recordSize, partitions, acks, compression };
            if (options.quick && !isQuickCase(shape)) continue;
            const id = caseId(shape);
            if (only && !only.test(id)) continue;
            cases.push({ id, ...shape, records: recordsFor(recordSize, scale) });
          }
        }
      }
    }
  }
  return cases;
}

/** The case whose produce rate sets the latency run's pace and carries the headline targets. */
export function isHeadlineCase(c: BenchCase): boolean {
  return (
    c.client === 'rdkafka' &&
    c.recordSize === 100 &&
    c.partitions === 1 &&
    c.acks === '1' &&
    c.compression === 'none'
  );
}

/**
 * A cluster case (bench/e2e/cluster-case.ts): three brokers on this machine and one ZooKeeper, a
 * topic of `partitions` partitions replicated `replicationFactor` times, written by kiln perf
 * with no compression. Leader and follower CPU are what it is about, so there is no consume phase.
 */
export interface ClusterCase {
  /** e.g. cluster-1k-p1-rf3-acksall; also what --only matches (`--only cluster` runs them all). */
  id: string;
  /** Broker processes, ids 1 to brokerCount. */
  brokerCount: number;
  replicationFactor: number;
  recordSize: number;
  partitions: number;
  acks: Acks;
  records: number;
}

export const CLUSTER_BROKERS = 3;
export const CLUSTER_REPLICATION_FACTOR = 3;
export const CLUSTER_PARTITIONS = 1;
/**
 * A cluster case moves this share of a single-node case's records (1 M of 100 B, 250 k of
 * 1 KiB): three brokers and the client share the machine's cores, so the rates are lower, and the
 * four cases should add no more than two or three minutes to a run.
 */
export const CLUSTER_SCALE = 0.5;

export function clusterCaseId(c: Omit<ClusterCase, 'id' | 'records' | 'brokerCount'>): string {
  const size = c.recordSize >= 1024 ? `${c.recordSize / 1024}k` : `${c.recordSize}b`;
  return `cluster-${size}-p${c.partitions}-rf${c.replicationFactor}-acks${c.acks}`;
}

/**
 * The cluster cases to run: 100 B and 1 KiB × acks=1 and acks=all; with --quick only 100 B
 * acks=1 and 1 KiB acks=all, with --quick's small counts.
 */
export function buildClusterMatrix(options: MatrixOptions = {}): ClusterCase[] {
  const scale = (options.scale ?? 1) * (options.quick ? QUICK_SCALE : 1) * CLUSTER_SCALE;
  if (!(scale > 0)) throw new Error(`scale must be a positive number, got ${options.scale}`);
  const only = options.only ? new RegExp(options.only, 'i') : null;
  const cases: ClusterCase[] = [];
  for (const recordSize of RECORD_SIZES) {
    for (const acks of ACKS) {
      const quickCase = (recordSize === 100 && acks === '1') || (recordSize === 1024 && acks === 'all');
      if (options.quick && !quickCase) continue;
      const shape = {
        replicationFactor: CLUSTER_REPLICATION_FACTOR,
        recordSize,
        partitions: CLUSTER_PARTITIONS,
        acks,
      };
      const id = clusterCaseId(shape);
      if (only && !only.test(id)) continue;
      cases.push({ id, brokerCount: CLUSTER_BROKERS, ...shape, records: recordsFor(recordSize, scale) });
    }
  }
  return cases;
}
