/**
 * One chaos run from start to verdict: the cluster (chaos-cluster.ts) and its topics, the leader
 * sampler, the load (load-generator.ts), the faults one after the other (fault-schedule.ts,
 * fault-injector.ts) until --faults or --duration is reached, then everything healed, the cluster
 * settled, the load flushed, every partition read back and checked (checker.ts). Whatever happens,
 * every process it started is stopped before it returns, and its directory is removed unless --keep
 * was given or the run failed (then its logs are what a reproduction needs).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { zooKeeperInstalled } from '../../tools/cluster/zookeeper-process.js';
import { buildBroker } from './broker-build.js';
import { ChaosCluster, type TopicLayout } from './chaos-cluster.js';
import { checkRecords, type CheckResult } from './checker.js';
import { injectFault, partitionNames, type FaultRecord } from './fault-injector.js';
import { FaultSchedule } from './fault-schedule.js';
import { LeaderSampler, type LeaderlessFigures } from './leader-sampler.js';
import { LoadGenerator, type ProducerSummary } from './load-generator.js';
import { reproduceCommand, type ChaosOptions } from './options.js';
import { readBack } from './read-back.js';
import { failuresOf, type BrokerCrash, type ChaosReport } from './report.js';

export const MIN_INSYNC_REPLICAS = 2;
const REPLICATION_FACTOR = 3;

export interface RunIo {
  log: (line: string) => void;
  /** The checkout whose broker runs (compiled from its sources into dist/.bench-<pid>). */
  repoRoot: string;
}

/** Run directories to remove if the process ends early (Ctrl-C), see removeRunDirsNow. */
const runDirs = new Set<string>();

/** Removes the directories of runs still going, synchronously (exit and signal handlers). */
export function removeRunDirsNow(): void {
  for (const dir of runDirs) fs.rmSync(dir, { recursive: true, force: true });
  runDirs.clear();
}

function gitState(repoRoot: string): ChaosReport['git'] {
  const git = (...args: string[]): string | null => {
    try {
      return execFileSync('git', args, {
        cwd: repoRoot,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      });
    } catch {
      return null;
    }
  };
  const status = git('status', '--porcelain');
  return {
    commit: git('rev-parse', 'HEAD')?.trim() ?? null,
    dirty: status === null ? null : status.trim() !== '',
  };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function runChaos(o: ChaosOptions, io: RunIo): Promise<ChaosReport> {
  if (!zooKeeperInstalled())
    throw new Error("ZooKeeper is not installed (Debian's zookeeper package; npm run test:deps)");
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const elapsed = (): number => (performance.now() - t0) / 1000;
  const log = (line: string): void => io.log(`[${elapsed().toFixed(1).padStart(7)} s] ${line}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-chaos-'));
  if (!o.keep) runDirs.add(dir);
  log(`seed ${o.seed}${o.seedGiven ? '' : ' (drawn)'}; data and logs in ${dir}`);
  const layout: TopicLayout = {
    names: Array.from({ length: o.topics }, (_, i) => `chaos-${i}`),
    partitions: o.partitions,
    replicationFactor: REPLICATION_FACTOR,
  };
  const faults: FaultRecord[] = [];
  const skippedKinds: ChaosReport['skippedKinds'] = [];
  const crashes: BrokerCrash[] = [];
  const brokerPids: number[] = [];
  let stuck: string | null = null;
  let finalSettleSeconds: number | null = null;
  let check: CheckResult | null = null;
  let notFromZero: string[] = [];
  let readBackError: string | null = null;
  let leaderless: LeaderlessFigures | null = null;
  let producers: ProducerSummary[] = [];
  let faultSeconds = 0;

  log(`compiling the broker (${o.fromCommit === null ? 'working tree' : `commit ${o.fromCommit}`})`);
  let build;
  try {
    build = buildBroker(io.repoRoot, o.fromCommit, dir);
  } catch (err) {
    runDirs.delete(dir);
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  let cluster: ChaosCluster | undefined;
  let load: LoadGenerator | undefined;
  let sampler: LeaderSampler | undefined;
  try {
    cluster = await ChaosCluster.start({
      dir,
      brokers: o.brokers,
      entry: build.entry,
      cwd: build.cwd,
      properties: {
        'zookeeper.session.timeout.ms': String(o.sessionTimeoutMs),
        'zookeeper.connection.timeout.ms': '30000',
        'replica.lag.time.max.ms': String(o.replicaLagMs),
        'min.insync.replicas': String(MIN_INSYNC_REPLICAS),
        'unclean.leader.election.enable': 'false',
        'default.replication.factor': String(REPLICATION_FACTOR),
        'offsets.topic.replication.factor': String(REPLICATION_FACTOR),
        'auto.create.topics.enable': 'false',
      },
      log,
      onBrokerCrash: (broker, how, output) => {
        crashes.push({ broker, at: Math.round(elapsed()), how, output });
        log(`broker ${broker} ${how} BY ITSELF; its last lines:\n${output}`);
      },
    });
    const c = cluster;
    const trackPids = (): void => {
      for (const node of c.nodes.values())
        if (node.pid && !brokerPids.includes(node.pid)) brokerPids.push(node.pid);
    };
    trackPids();
    log(`creating ${layout.names.join(', ')}: ${o.partitions} partitions each, RF=${REPLICATION_FACTOR}`);
    await c.createTopics(layout, {
      'min.insync.replicas': String(MIN_INSYNC_REPLICAS),
      'unclean.leader.election.enable': 'false',
    });
    const ready = await c.waitSettled(layout, 60_000);
    if (!ready.settled) throw new Error(`the new topics did not settle in 60 s: ${ready.reason}`);
    sampler = new LeaderSampler(c, layout);
    sampler.start();
    log(`starting ${o.producers} producer(s) at ${o.rate} records/s in all`);
    load = LoadGenerator.start({
      bootstrap: c.bootstrap,
      topics: layout.names,
      producers: o.producers,
      rate: o.rate,
      valueBytes: o.valueBytes,
      messageTimeoutMs: 300_000,
      flushSeconds: 120,
      dir,
      log,
    });
    const l = load;
    if (!(await l.waitForAcks(1, 60_000))) {
      throw new Error(`no record was acknowledged in 60 s${l.died ? ` (${l.died})` : ''}`);
    }

    const schedule = new FaultSchedule(o.seed, o.kinds, o);
    const faultsStart = elapsed();
    const injected = (): number => faults.filter((f) => f.outcome !== 'skipped').length;
    const more = (): boolean =>
      (o.faults === null || injected() < o.faults) &&
      (o.durationSeconds === null || elapsed() - faultsStart < o.durationSeconds) &&
      // However many faults are skipped (no target), the run ends.
      faults.length < 3 * (o.faults ?? 1000) + 10;
    const of = o.faults === null ? '' : `/${o.faults}`;
    while (more()) {
      if (l.died) {
        stuck = `${l.died} during the faults`;
        break;
      }
      const plan = schedule.next();
      await sleep(plan.gapMs);
      const record = await injectFault(plan, {
        cluster: c,
        layout,
        load: l,
        settleTimeoutMs: o.settleTimeoutSeconds * 1000,
        elapsed,
        onHarm: (r) =>
          log(`fault ${injected() + 1}${of} ${r.kind}: ${r.target} for ${(r.holdMs / 1000).toFixed(1)} s`),
      });
      trackPids();
      faults.push(record);
      const recovered =
        record.recoveryMs === null ? '' : `, settled ${(record.recoveryMs / 1000).toFixed(1)} s later`;
      const outcome = record.outcome === 'ok' ? 'over' : record.outcome.toUpperCase();
      log(
        `  ${outcome}${recovered}${record.note ? `: ${record.note}` : ''}; ` +
          `${l.ackedCount.toLocaleString('en-US')} acked so far`,
      );
      if (record.unsupported) {
        skippedKinds.push({ kind: record.kind, reason: record.note });
        log(`the brokers cannot do ${record.kind}: no more of that kind`);
        if (!schedule.disable(record.kind)) break;
      }
      if (record.outcome === 'stuck' || record.outcome === 'error') {
        stuck = `fault ${record.number} (${record.kind} ${record.target}): ${record.note}`;
        break;
      }
    }
    faultSeconds = elapsed() - faultsStart;

    log('healing everything');
    await c.healAll();
    trackPids();
    const mark = l.mark();
    // (A producer that died cannot show the partitions take records again.)
    const final = await c.waitSettled(layout, o.settleTimeoutSeconds * 1000, async () =>
      l.died ? null : l.stalledSince(mark, partitionNames(layout)),
    );
    finalSettleSeconds = Math.round(final.ms / 100) / 10;
    if (!final.settled) {
      const diagnosis = await c.diagnose();
      const why = `the healed cluster did not settle in ${o.settleTimeoutSeconds} s: ${final.reason}; ${diagnosis}\n${c.logExcerpts()}`;
      stuck = stuck ? `${stuck}; ${why}` : why;
    }
    log(final.settled ? `settled in ${finalSettleSeconds} s; stopping the load` : why(final.reason));
    producers = await l.stop();
    load = undefined;
    await sampler.stop();
    leaderless = sampler.figures();
    sampler = undefined;
    log(`reading every partition back (${l.ackedCount.toLocaleString('en-US')} records acknowledged)`);
    try {
      const back = await readBack(c.bootstrap, layout.names);
      notFromZero = back.notFromZero;
      check = checkRecords(l.acked, back.records);
    } catch (err) {
      readBackError = (err as Error).message;
    }
  } catch (err) {
    const message = (err as Error).message;
    stuck = stuck ? `${stuck}; ${message}` : message;
    log(`run ended early: ${message}`);
  } finally {
    if (load) producers = await load.stop();
    await sampler?.stop();
    if (cluster) {
      log('stopping the cluster');
      await cluster.stop();
    }
  }
  const partial = {
    version: 1 as const,
    startedAt,
    // A commit named by a moving name (HEAD) is given by its sha.
    reproduce: reproduceCommand({
      ...o,
      fromCommit: o.fromCommit === null ? null : build.source.slice('commit '.length),
    }),
    seed: o.seed,
    brokers: o.brokers,
    topics: layout.names,
    partitions: o.partitions,
    replicationFactor: REPLICATION_FACTOR,
    minInsyncReplicas: MIN_INSYNC_REPLICAS,
    kinds: o.kinds,
    git: gitState(io.repoRoot),
    brokerSource: build.source,
    wallSeconds: Math.round(elapsed() * 10) / 10,
    faultSeconds: Math.round(faultSeconds * 10) / 10,
    faults,
    skippedKinds,
    stuck,
    finalSettleSeconds,
    check,
    notFromZero,
    readBackError,
    leaderless,
    producers,
    brokerCrashes: crashes,
    brokerPids,
    keptDir: null as string | null,
  };
  const failures = failuresOf(partial);
  const passed = failures.length === 0;
  if (o.keep || !passed) partial.keptDir = dir;
  else fs.rmSync(dir, { recursive: true, force: true });
  runDirs.delete(dir);
  return { ...partial, passed, failures };
}

function why(reason: string | null): string {
  return `did not settle: ${reason ?? 'unknown'}`;
}
