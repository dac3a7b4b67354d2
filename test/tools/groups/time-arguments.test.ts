import { describe, expect, it } from 'vitest';
import { parseDatetime, parseIsoDuration } from '../../../tools/groups/time-arguments.js';
import { parseTopicScope } from '../../../tools/groups/reset-plan.js';

describe('--to-datetime', () => {
  it('reads Kafka’s form with a zone: Z, +01:00 and +0100', () => {
    expect(parseDatetime('2024-03-01T12:30:00.000Z')).toBe(Date.UTC(2024, 2, 1, 12, 30));
    expect(parseDatetime('2024-03-01T12:30:00.000+01:00')).toBe(Date.UTC(2024, 2, 1, 11, 30));
    expect(parseDatetime('2024-03-01T12:30:00.250-0230')).toBe(Date.UTC(2024, 2, 1, 15, 0, 0, 250));
  });

  it('without a zone is local time, as Kafka’s tool reads it; seconds and millis may be left out', () => {
    expect(parseDatetime('2024-03-01T12:30:00.000')).toBe(new Date(2024, 2, 1, 12, 30).getTime());
    expect(parseDatetime('2024-03-01T12:30')).toBe(new Date(2024, 2, 1, 12, 30).getTime());
    expect(parseDatetime('2024-03-01T12:30:05.5')).toBe(new Date(2024, 2, 1, 12, 30, 5, 500).getTime());
  });

  it('takes epoch milliseconds too (what kiln took before)', () => {
    expect(parseDatetime('1700000000000')).toBe(1_700_000_000_000);
  });

  it('refuses what is not a date-time, or not a real one', () => {
    for (const bad of [
      'yesterday',
      '2024-03-01',
      '2024-13-01T00:00:00',
      '2024-02-30T00:00:00Z',
      '2024-03-01T25:00',
    ])
      expect(() => parseDatetime(bad), bad).toThrow(/--to-datetime/);
  });
});

describe('--by-duration', () => {
  it('reads ISO-8601 durations PnDTnHnMnS', () => {
    expect(parseIsoDuration('PT10M')).toBe(600_000);
    expect(parseIsoDuration('P1D')).toBe(86_400_000);
    expect(parseIsoDuration('P1DT2H30M')).toBe(86_400_000 + 9_000_000);
    expect(parseIsoDuration('pt0.5s')).toBe(500);
    expect(parseIsoDuration('PT0S')).toBe(0);
  });

  it('takes a decimal comma in the seconds as Java does (PT1,5S was refused)', () => {
    expect(parseIsoDuration('PT1,5S')).toBe(1500);
  });

  it('refuses other forms and negative durations', () => {
    for (const bad of ['10m', 'P', 'PT', 'P1DT', '1D', 'P1H', 'PT1D'])
      expect(() => parseIsoDuration(bad), bad).toThrow(/ISO-8601 duration/);
    expect(() => parseIsoDuration('-PT1M')).toThrow(/negative/);
  });
});

describe('--topic scopes', () => {
  it('is a topic, or a topic with the partitions after a colon', () => {
    expect(parseTopicScope('orders')).toEqual({ topic: 'orders', partitions: null });
    expect(parseTopicScope('orders:0,2')).toEqual({ topic: 'orders', partitions: [0, 2] });
    expect(() => parseTopicScope('orders:')).toThrow(/TOPIC:PARTITION/);
    expect(() => parseTopicScope(':1')).toThrow(/TOPIC:PARTITION/);
  });
});
