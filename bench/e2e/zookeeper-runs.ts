/**
 * What the benchmark's cluster runs share (the cluster cases, cluster-case.ts, and the
 * reassignment run, reassign-run.ts): one ZooKeeper started for all of a run's items, each item on
 * a chroot of its own per attempt (its brokers never see an earlier cluster's topics), one more
 * attempt when a broker died, and brokers started together and stopped together if one fails.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  startZooKeeperProcess,
  zooKeeperInstalled,
  type ZooKeeperProcess,
} from '../../tools/cluster/zookeeper-process.js';
import { BrokerProcess } from './broker-process.js';
import { freePort } from '../../tools/cluster/free-port.js';
import { removeTempDir, trackKiller, trackTempDir } from './child-processes.js';
import type { RunContext } from './run-case.js';

/** What a cluster item's result says about its failure. */
export interface AttemptResult {
  error: string | null;
  brokerDied: boolean;
  earlierAttemptError?: string;
}

export interface ZooKeeperRun<I extends { id: string }, R extends AttemptResult> {
  /** What the items are, for the log: 'cluster cases', 'reassignment run'. */
  what: string;
  /** The result of an item that could not run, and why. */
  skipped: (item: I, why: string) => R;
  /** The log line announcing the `index`th item. */
  announce: (item: I, index: number, count: number) => string;
  /** Runs one attempt of the item on this zookeeper.connect (a chroot of its own). */
  attempt: (item: I, zookeeperConnect: string) => Promise<R>;
  /** The log line of a result that did not fail. */
  describe: (result: R) => string;
}

/** Runs every item, one after the other, on one ZooKeeper started for them; [] without items. */
export async function runOnZooKeeper<I extends { id: string }, R extends AttemptResult>(
  items: I[],
  ctx: RunContext,
  run: ZooKeeperRun<I, R>,
): Promise<R[]> {
  if (items.length === 0) return [];
  if (!zooKeeperInstalled()) {
    const why = "ZooKeeper is not installed (Debian's zookeeper package; npm run test:deps)";
    ctx.log(`${run.what} skipped: ${why}`);
    return items.map((item) => run.skipped(item, why));
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-e2e-zk-'));
  trackTempDir(dir);
  let zookeeper: ZooKeeperProcess;
  try {
    ctx.log(`starting ZooKeeper for the ${run.what} ...`);
    zookeeper = await startZooKeeperProcess({ dir: path.join(dir, 'zookeeper'), port: await freePort() });
  } catch (err) {
    removeTempDir(dir);
    const why = `ZooKeeper did not start: ${(err as Error).message}`;
    ctx.log(`${run.what} skipped: ${why.split('\n')[0]}`);
    return items.map((item) => run.skipped(item, why));
  }
  // ZooKeeper runs in a process group of its own: no terminal signal reaches it.
  const untrack = trackKiller(() => zookeeper.killNow());
  const results: R[] = [];
  try {
    for (const [i, item] of items.entries()) {
      ctx.log(run.announce(item, i, items.length));
      const chroot = (attempt: number): string => `${zookeeper.connect}/${item.id}-${attempt}`;
      let result = await run.attempt(item, chroot(1));
      if (result.error && result.brokerDied) {
        ctx.log(`  a broker died (${result.error.split('\n')[0]}); trying once more`);
        const first = result.error;
        result = { ...(await run.attempt(item, chroot(2))), earlierAttemptError: first };
      }
      ctx.log(result.error ? `  FAILED: ${result.error.split('\n')[0]}` : `  ${run.describe(result)}`);
      results.push(result);
    }
  } finally {
    await zookeeper.stop();
    untrack();
    removeTempDir(dir);
  }
  return results;
}

/**
 * Starts brokers 1..count of a cluster together, each with `partitions` as its default partition
 * count and profiled per thread (followers fetch in worker threads); if one fails, the others
 * are stopped and it throws.
 */
export async function startClusterBrokers(
  options: { count: number; partitions: number; zookeeperConnect: string; profilePrefix: string },
  ctx: RunContext,
): Promise<BrokerProcess[]> {
  const ids = Array.from({ length: options.count }, (_, i) => i + 1);
  const started = await Promise.allSettled(
    ids.map((id) =>
      BrokerProcess.start({
        repoRoot: ctx.brokerRoot ?? ctx.repoRoot,
        partitions: options.partitions,
        overrides: {
          'broker.id': String(id),
          'zookeeper.connect': options.zookeeperConnect,
          'offsets.topic.replication.factor': String(Math.min(3, options.count)),
          // They stop together and their data is thrown away: handing leaderships over first
          // would only make the stop take seconds (5 s measured) instead of a tenth of one.
          'controlled.shutdown.enable': 'false',
        },
        profileName: `${options.profilePrefix}-broker${id}`,
        profileEachThread: true,
      }),
    ),
  );
  const brokers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await Promise.all(brokers.map((b) => b.stop()));
    throw new Error(`starting the brokers: ${(failed.reason as Error).message}`);
  }
  return brokers;
}
