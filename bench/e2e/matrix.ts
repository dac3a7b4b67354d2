/**
 * The cases the end-to-end benchmark runs: client × record size × partitions × acks × codec, each
 * with its record count. The full run moves 2,000,000 records of 100 B (PERFORMANCE.md's anchor
 * workload) or 500,000 of 1 KiB per case; --scale multiplies the counts and --quick keeps a small
 * subset with small counts, for smoke tests.
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
