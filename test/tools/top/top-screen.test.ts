import { describe, expect, it } from 'vitest';
import type { TopicView, TrafficCounters } from '../../../server/admin/api/admin-api-types.js';
import type { TopSample } from '../../../tools/top/admin-api-client.js';
import { cut, ratePerSec, renderFrame, shownTopics } from '../../../tools/top/top-screen.js';

function counters(bytesIn: number, bytesOut = 0, messagesIn = 0): TrafficCounters {
  return {
    bytesIn,
    bytesOut,
    messagesIn,
    produceRequests: 0,
    fetchRequests: 0,
    failedProduceRequests: 0,
    failedFetchRequests: 0,
  };
}

function topicView(name: string, isr: number[][]): TopicView {
  return {
    name,
    topicId: 'AAAAAAAAAAAAAAAAAAAAAA',
    internal: false,
    partitions: isr.length,
    replicationFactor: 3,
    localBytes: 0,
    offline: 0,
    underReplicated: 0,
    underMinIsr: 0,
    configs: {},
    retentionMs: -1,
    retentionBytes: -1,
    cleanupPolicy: 'delete',
    partitionViews: isr.map((inSync, partition) => ({
      partition,
      leader: inSync[0] ?? -1,
      replicas: [1, 2, 3],
      isr: inSync,
      offline: inSync.length === 0,
      local: true,
      logStartOffset: 0,
      logEndOffset: 100 + partition,
      highWatermark: 100 + partition,
      bytes: 1000,
      segments: [],
    })),
  };
}

function sample(timeMs: number, bytesIn: Record<string, number>, lag = 10, startedMs = 1): TopSample {
  const names = Object.keys(bytesIn);
  return {
    cluster: {
      clusterId: 'c1',
      mode: 'cluster',
      brokerId: 1,
      version: '0.1.0',
      startedMs,
      controllerId: 2,
      brokers: [],
      partitions: { total: 3, offline: 1, underReplicated: 1, underMinIsr: 0 },
      ready: true,
    },
    traffic: {
      timeMs,
      all: counters(Object.values(bytesIn).reduce((a, b) => a + b, 0)),
      topics: Object.fromEntries(
        names.map((n) => [n, counters(bytesIn[n]!, bytesIn[n]! / 2, bytesIn[n]! / 100)]),
      ),
      replicationBytesOut: 0,
    },
    topics: [
      ...names.map((name) => ({
        name,
        topicId: 'AAAAAAAAAAAAAAAAAAAAAA',
        internal: false,
        partitions: 3,
        replicationFactor: 3,
        localBytes: 5_000_000,
        offline: 0,
        underReplicated: 0,
        underMinIsr: 0,
      })),
      {
        name: '__consumer_offsets',
        topicId: 'AAAAAAAAAAAAAAAAAAAAAA',
        internal: true,
        partitions: 50,
        replicationFactor: 3,
        localBytes: 0,
        offline: 0,
        underReplicated: 0,
        underMinIsr: 0,
      },
    ],
    groups: [
      {
        groupId: 'readers',
        state: 'Stable',
        protocolType: 'consumer',
        protocol: 'range',
        members: 2,
        totalLag: lag,
        coordinator: 1,
      },
      {
        groupId: 'idle',
        state: 'Empty',
        protocolType: 'consumer',
        protocol: '',
        members: 0,
        totalLag: 0,
        coordinator: 1,
      },
    ],
    partitions: new Map([['orders', topicView('orders', [[1, 2, 3], [2], []])]]),
  };
}

describe('kiln top frame', () => {
  it('shows rates over the interval, busiest topic first, internal topics hidden', () => {
    const lines = renderFrame(
      sample(0, { orders: 0, audit: 0 }, 10),
      sample(2000, { orders: 4e6, audit: 2e5 }, 70),
      {
        width: 200,
      },
    );
    const text = lines.join('\n');
    expect(text).toContain('cluster c1 (cluster) · broker 1 answering · controller 2');
    expect(text).toContain('partitions 3 · offline 1 · under-replicated 1');
    expect(text).toContain('all topics: in 2.10 MB/s · out 0.00 MB/s');
    const orders = lines.findIndex((l) => /^orders\s+2\.00\s+1\.00\s+20,000\s/.test(l));
    const audit = lines.findIndex((l) => /^audit\s+0\.10\s+0\.05\s+1,000\s/.test(l));
    expect(orders).toBeGreaterThan(0);
    expect(audit).toBeGreaterThan(orders);
    expect(text).not.toContain('__consumer_offsets');
    // Lag grew by 60 in 2 s.
    expect(lines.find((l) => l.startsWith('readers'))).toMatch(/Stable\s+2\s+70\s+\+30$/);
  });

  it('puts offline and under-replicated partitions first', () => {
    const lines = renderFrame(undefined, sample(0, { orders: 0 }), { width: 200 });
    const rows = lines.filter((l) => /^orders\s+\d\s/.test(l));
    expect(rows.map((r) => r.split(/\s+/)[1])).toEqual(['2', '1', '0']);
    expect(rows[0]).toContain('OFFLINE');
    expect(rows[1]).toContain('under-replicated');
  });

  it('shows no rate without an earlier sample, across a restart, or for a counter that went back', () => {
    const first = renderFrame(undefined, sample(2000, { orders: 4e6 }), { width: 200 });
    expect(first.find((l) => l.startsWith('orders '))).toMatch(/^orders\s+-\s+-\s+-\s/);
    const restarted = renderFrame(sample(0, { orders: 9e6 }, 10, 1), sample(2000, { orders: 1e6 }, 10, 5), {
      width: 200,
    });
    expect(restarted.find((l) => l.startsWith('orders '))).toMatch(/^orders\s+-\s+-\s+-\s/);
    expect(ratePerSec(10, 5, 1)).toBeNull();
    expect(ratePerSec(undefined, 5, 1)).toBeNull();
    expect(ratePerSec(5, 15, 2)).toBe(5);
  });

  it('keeps every line within the width and cuts long names', () => {
    const name = 'a-very-long-topic-name-that-goes-on-and-on-and-on-and-on';
    const lines = renderFrame(undefined, sample(0, { [name]: 1 }), { width: 50 });
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(50);
    expect(cut(name, 10)).toBe('a-very-lo…');
    expect(cut('short', 10)).toBe('short');
  });

  it('filters by topic and group', () => {
    // The command reads the partitions of --topic only.
    const filtered = { ...sample(0, { orders: 1, audit: 2 }), partitions: new Map() };
    const lines = renderFrame(undefined, filtered, {
      width: 200,
      topic: 'audit',
      group: 'idle',
    });
    const text = lines.join('\n');
    expect(lines.some((l) => l.startsWith('audit '))).toBe(true);
    expect(lines.some((l) => l.startsWith('orders'))).toBe(false);
    expect(lines.some((l) => l.startsWith('idle '))).toBe(true);
    expect(text).not.toMatch(/^readers/m);
    expect(renderFrame(undefined, sample(0, {}), { width: 200, group: 'nope' }).join('\n')).toContain(
      'no group nope coordinated here',
    );
  });

  it('picks the three busiest topics for their partitions, or the one asked for', () => {
    const s = sample(0, { a: 5, b: 50, c: 1, d: 30 });
    expect(shownTopics(s)).toEqual(['b', 'd', 'a']);
    expect(shownTopics(s, 'c')).toEqual(['c']);
  });
});
