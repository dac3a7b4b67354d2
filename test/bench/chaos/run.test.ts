// The CI version of `npm run chaos`: a real three-broker cluster on Debian's ZooKeeper, an
// idempotent librdkafka producer (confluent-kafka-python, acks=all) and seven faults of seven
// kinds (seed 208: kill the controller, kill a leader, two brokers parted, a broker paused past
// its session, a reassignment, a broker's ZooKeeper session expiring, a ZooKeeper restart). No
// acknowledged record may be lost, and nothing the run started may outlive it.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseOptions } from '../../../bench/chaos/options.js';
import { formatReport } from '../../../bench/chaos/report.js';
import { runChaos } from '../../../bench/chaos/run.js';

const repoRoot = path.resolve(fileURLToPath(new URL('../../..', import.meta.url)));

/** Pids of live processes whose command line mentions `text`. */
function processesMentioning(text: string): number[] {
  return fs.readdirSync('/proc').flatMap((entry) => {
    if (!/^\d+$/.test(entry)) return [];
    try {
      return fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text) ? [Number(entry)] : [];
    } catch {
      return [];
    }
  });
}

describe('runChaos (CI version)', () => {
  it(
    'injects seven kinds of faults into a three-broker cluster under idempotent acks=all load and loses no acknowledged record',
    { timeout: 300_000 },
    async () => {
      const options = parseOptions([
        '--brokers',
        '3',
        '--faults',
        '7',
        '--seed',
        '208',
        '--fault-kinds',
        'kill-leader,kill-controller,pause,zookeeper-restart,zookeeper-session-expiry,broker-link-cut,reassignment',
        '--rate',
        '300',
        '--session-timeout-ms',
        '4000',
        '--replica-lag-ms',
        '3000',
        '--settle-timeout',
        '60',
      ]);
      const lines: string[] = [];
      const report = await runChaos(options, { repoRoot, log: (line) => lines.push(line) });
      const explain = `${lines.join('\n')}\n\n${formatReport(report)}`;

      expect(report.failures, explain).toEqual([]);
      expect(report.passed).toBe(true);
      expect(report.check!.lost).toBe(0);
      expect(report.check!.acknowledged, explain).toBeGreaterThan(1000);
      // Every partition was read back: the records found cover every acknowledged one.
      expect(report.check!.stored).toBeGreaterThanOrEqual(report.check!.acknowledged);
      expect(
        report.faults.map((f) => f.outcome),
        explain,
      ).toEqual(Array(7).fill('ok'));
      expect(new Set(report.faults.map((f) => f.kind))).toEqual(new Set(options.kinds));
      expect(report.leaderless!.samples).toBeGreaterThan(10);
      expect(report.leaderless!.partitions).toHaveLength(6);
      // The killed leader stayed named leader until its session ended: its partitions had none.
      expect(report.leaderless!.partitions.some((p) => p.seconds > 0)).toBe(true);

      // Nothing left behind: no broker, ZooKeeper or producer, and no directory.
      const dir = /data and logs in (\S+)/.exec(lines.join('\n'))![1]!;
      expect(report.keptDir).toBeNull();
      expect(fs.existsSync(dir)).toBe(false);
      expect(processesMentioning(dir)).toEqual([]);
      for (const pid of report.brokerPids) expect(() => process.kill(pid, 0)).toThrow();
    },
  );
});
