// The benchmark matrix: every combination once, the --quick subset, --only and --scale.
import { describe, expect, it } from 'vitest';
import {
  buildClusterMatrix,
  buildMatrix,
  caseId,
  clusterCaseId,
  isHeadlineCase,
  recordsFor,
} from '../../bench/e2e/matrix.js';

describe('buildMatrix', () => {
  it('has every combination of client, size, partitions, acks and codec once', () => {
    const cases = buildMatrix();
    expect(cases).toHaveLength(2 * 2 * 2 * 2 * 2);
    expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
    expect(cases.map((c) => c.id)).toContain('rdkafka-100b-p1-acks1-none');
    expect(cases.map((c) => c.id)).toContain('kiln-1k-p8-acksall-lz4');
    // Client by client, so the chart can group them.
    expect(cases.slice(0, 16).every((c) => c.client === 'rdkafka')).toBe(true);
    expect(cases.filter(isHeadlineCase).map((c) => c.id)).toEqual(['rdkafka-100b-p1-acks1-none']);
  });

  it('moves 2 M records of 100 B or 500 k of 1 KiB at scale 1', () => {
    const cases = buildMatrix();
    expect(cases.find((c) => c.recordSize === 100)?.records).toBe(2_000_000);
    expect(cases.find((c) => c.recordSize === 1024)?.records).toBe(500_000);
    expect(buildMatrix({ scale: 0.5 }).find((c) => c.recordSize === 100)?.records).toBe(1_000_000);
    expect(recordsFor(100, 1e-9)).toBe(1000);
  });

  it('keeps a light and a heavy case per client with --quick', () => {
    const ids = buildMatrix({ quick: true }).map((c) => c.id);
    expect(ids).toEqual([
      'rdkafka-100b-p1-acks1-none',
      'rdkafka-1k-p8-acksall-lz4',
      'kiln-100b-p1-acks1-none',
      'kiln-1k-p8-acksall-lz4',
    ]);
    expect(buildMatrix({ quick: true })[0]?.records).toBe(40_000);
  });

  it('filters by a regular expression on the id', () => {
    expect(buildMatrix({ only: '^kiln-.*-p8-' })).toHaveLength(8);
    expect(buildMatrix({ only: 'rdkafka-100b-p1-acks1-none' })).toHaveLength(1);
    expect(buildMatrix({ only: 'nothing' })).toHaveLength(0);
  });

  it('refuses a scale that is not positive', () => {
    expect(() => buildMatrix({ scale: 0 })).toThrow(/scale/);
    expect(() => buildMatrix({ scale: Number.NaN })).toThrow(/scale/);
  });

  it('names cases readably', () => {
    expect(caseId({ client: 'kiln', recordSize: 1024, partitions: 8, acks: 'all', compression: 'lz4' })).toBe(
      'kiln-1k-p8-acksall-lz4',
    );
  });
});

describe('buildClusterMatrix', () => {
  it('has 100 B and 1 KiB at acks=1 and acks=all, three brokers, RF=3, one partition, half the counts', () => {
    const cases = buildClusterMatrix();
    expect(cases.map((c) => c.id)).toEqual([
      'cluster-100b-p1-rf3-acks1',
      'cluster-100b-p1-rf3-acksall',
      'cluster-1k-p1-rf3-acks1',
      'cluster-1k-p1-rf3-acksall',
    ]);
    expect(cases.every((c) => c.brokerCount === 3 && c.replicationFactor === 3 && c.partitions === 1)).toBe(
      true,
    );
    expect(cases[0]?.records).toBe(1_000_000);
    expect(cases[3]?.records).toBe(250_000);
    expect(buildClusterMatrix({ scale: 2 })[3]?.records).toBe(500_000);
  });

  it('keeps two small cases with --quick and follows --only, which no single-node id matches as "cluster"', () => {
    const quick = buildClusterMatrix({ quick: true });
    expect(quick.map((c) => c.id)).toEqual(['cluster-100b-p1-rf3-acks1', 'cluster-1k-p1-rf3-acksall']);
    expect(quick[0]?.records).toBe(20_000);
    expect(buildClusterMatrix({ only: 'cluster' })).toHaveLength(4);
    expect(buildClusterMatrix({ only: 'acksall' })).toHaveLength(2);
    expect(buildClusterMatrix({ only: '^kiln-100b' })).toHaveLength(0);
    expect(buildMatrix({ only: 'cluster' })).toHaveLength(0);
    expect(clusterCaseId({ replicationFactor: 3, recordSize: 1024, partitions: 1, acks: 'all' })).toBe(
      'cluster-1k-p1-rf3-acksall',
    );
  });
});
