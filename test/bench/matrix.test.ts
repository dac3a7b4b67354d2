// The benchmark matrix: every combination once, the --quick subset, --only and --scale.
import { describe, expect, it } from 'vitest';
import { buildMatrix, caseId, isHeadlineCase, recordsFor } from '../../bench/e2e/matrix.js';

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
