import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EventLoopStats, reportEventLoopOnSignal } from '../../server/event-loop-stats.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

const busy = (ms: number): void => {
  const until = Date.now() + ms;
  while (Date.now() < until);
};
const tick = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('EventLoopStats', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach(removeTempDir));

  it('sees a blocked loop, and each line covers only the time since the last one', async () => {
    const dir = makeTempDir('kiln-elstats-');
    dirs.push(dir);
    const file = path.join(dir, 'stats.jsonl');
    const stats = new EventLoopStats(1);
    await tick(20);
    busy(80);
    await tick(20);
    stats.writeTo(file);
    await tick(30);
    stats.writeTo(file);
    stats.stop();
    const lines = fs
      .readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    // A stall is at least as long as the loop was blocked; the quiet interval after has no such stall.
    expect(lines[0].eventLoopDelayMs.max).toBeGreaterThanOrEqual(70);
    expect(lines[1].eventLoopDelayMs.max).toBeLessThan(lines[0].eventLoopDelayMs.max);
    expect(lines[0].rssBytes).toBeGreaterThan(0);
  });

  it('writes a line on SIGUSR2 only when KILN_STATS_FILE names a file', async () => {
    const dir = makeTempDir('kiln-elstats-');
    dirs.push(dir);
    const file = path.join(dir, 'signal.jsonl');
    expect(reportEventLoopOnSignal(undefined)).toBeTypeOf('function');
    const undo = reportEventLoopOnSignal(file);
    process.kill(process.pid, 'SIGUSR2');
    for (let i = 0; i < 100 && !fs.existsSync(file); i++) await tick(10);
    undo();
    const line = JSON.parse(fs.readFileSync(file, 'utf8').trim());
    expect(line.eventLoopDelayMs).toHaveProperty('p99');
  });
});
