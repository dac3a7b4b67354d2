// A broker child process as the benchmark starts it: ready on a free loopback port, measurable
// through /proc, reporting its event-loop delay on SIGUSR2, and gone with its directory on stop.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  BrokerProcess,
  parseLastStats,
  parseLastStatsLine,
  removeOrphanBuilds,
} from '../../bench/e2e/broker-process.js';
import { createTopic } from '../../bench/e2e/run-case.js';
import { freePort } from '../../tools/cluster/free-port.js';
import { MetricsScraper, SCRAPE_INTERVAL_MS } from '../../bench/e2e/metrics-scraper.js';

const repoRoot = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));

describe('parseLastStatsLine', () => {
  it('reads the last line of the stats file', () => {
    const text =
      '{"at":"x","eventLoopDelayMs":{"max":50,"p99":20,"mean":10.5},"rssBytes":1}\n' +
      '{"at":"y","eventLoopDelayMs":{"max":12.3,"p99":11,"mean":10.1},"rssBytes":2}\n';
    expect(parseLastStatsLine(text)).toEqual({ max: 12.3, p99: 11, mean: 10.1 });
    expect(parseLastStatsLine('')).toBeNull();
    expect(parseLastStatsLine('{"other":1}\n')).toBeNull();
    expect(parseLastStatsLine('not json\n')).toBeNull();
  });

  it("reads a leader's replication latency when the line has one", () => {
    const line =
      '{"at":"x","eventLoopDelayMs":{"max":5,"p99":2,"mean":1},"rssBytes":1,' +
      '"replicationLatencyMs":{"count":12,"p50":1.5,"p99":7.25,"max":9}}\n';
    expect(parseLastStats(line)).toEqual({
      eventLoopDelayMs: { max: 5, p99: 2, mean: 1 },
      replicationLatencyMs: { count: 12, p50: 1.5, p99: 7.25, max: 9 },
    });
    expect(
      parseLastStats('{"eventLoopDelayMs":{"max":5,"p99":2,"mean":1}}')?.replicationLatencyMs,
    ).toBeNull();
  });
});

describe('removeOrphanBuilds', () => {
  it("removes the broker builds of processes that are gone (a killed vitest worker's dist/.bench-<pid> stayed for good)", () => {
    const dist = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-dist-'));
    try {
      const gone = spawnSync(process.execPath, ['-e', '']).pid!;
      for (const name of [`.bench-${gone}`, `.bench-${process.pid}`, `.bench-${process.ppid}`, 'server'])
        fs.mkdirSync(path.join(dist, name));
      removeOrphanBuilds(dist);
      expect(fs.readdirSync(dist).sort()).toEqual(
        [`.bench-${process.pid}`, `.bench-${process.ppid}`, 'server'].sort(),
      );
    } finally {
      fs.rmSync(dist, { recursive: true, force: true });
    }
  });
});

describe('BrokerProcess', () => {
  it('finds a free port', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
  });

  it('starts, serves, is measured and stops', async () => {
    const broker = await BrokerProcess.start({ repoRoot, partitions: 2 });
    try {
      expect(broker.bootstrap).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(fs.existsSync(broker.dataDir)).toBe(true);
      await createTopic(repoRoot, broker.bootstrap, 'probe', 2);
      expect(fs.readdirSync(broker.dataDir)).toEqual(expect.arrayContaining(['probe-0', 'probe-1']));
      expect(broker.cpuSeconds()).toBeGreaterThan(0);
      expect(broker.status()?.vmHwm).toBeGreaterThan(1e6);
      // null when the broker has no SIGUSR2 report; then it must still be alive (not killed by it).
      const delay = await broker.markEventLoop();
      if (delay) expect(delay.max).toBeGreaterThanOrEqual(0);
      expect(broker.exitReason).toBeNull();
    } finally {
      await broker.stop();
    }
    expect(broker.exitReason).not.toBeNull();
    expect(fs.existsSync(path.dirname(broker.dataDir))).toBe(false);
  });

  it('--metrics-cost: a broker with its admin listener on is scraped, one with it off has none', async () => {
    const on = await BrokerProcess.start({ repoRoot, partitions: 1 });
    try {
      expect(on.adminUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const scraper = new MetricsScraper(on.adminUrl!).start();
      await new Promise((resolve) => setTimeout(resolve, SCRAPE_INTERVAL_MS * 2.5));
      const read = await scraper.stop();
      expect(read.scrapes).toBeGreaterThanOrEqual(1);
      expect(read.failures).toBe(0);
      expect(read.bytes).toBeGreaterThan(1000);
    } finally {
      await on.stop();
    }
    const off = await BrokerProcess.start({
      repoRoot,
      partitions: 1,
      overrides: { 'kiln.admin.listener': 'none' },
    });
    try {
      expect(off.adminUrl).toBeNull();
      expect(off.command).toContain('kiln.admin.listener=none');
    } finally {
      await off.stop();
    }
  });
});
