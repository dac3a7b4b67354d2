/**
 * Injects one planned fault (fault-schedule.ts) into the chaos cluster and follows it: picks the
 * target from the cluster as it is now, does the harm, holds it, undoes it, then waits until the
 * cluster has settled again (chaos-cluster.ts health(): every broker up, registered in ZooKeeper
 * and agreeing, every partition led with its whole ISR) and every partition has taken records
 * again since the fault was undone. A fault that does not settle within the settle timeout is
 * 'stuck': a finding.
 */
import type { ChaosCluster, TopicLayout } from './chaos-cluster.js';
import type { PartitionView } from './cluster-probe.js';
import type { LoadGenerator } from './load-generator.js';
import type { FaultKind, PlannedFault } from './fault-schedule.js';
import { newReplicas, reassignmentDone, startReassignment } from './reassignment.js';
import { pickWith } from './seeded-random.js';

export type FaultOutcome = 'ok' | 'skipped' | 'stuck' | 'error';

/** One fault as it happened (the run's report lists them all). */
export interface FaultRecord {
  number: number;
  kind: FaultKind;
  /** Seconds since the run started, when the fault began. */
  at: number;
  /** What it hit, e.g. 'broker 2 (controller)'. */
  target: string;
  holdMs: number;
  outcome: FaultOutcome;
  /** From undoing the fault until the cluster settled and the load went on again, in ms. */
  recoveryMs: number | null;
  /** Why skipped, stuck or failed; what else is worth knowing. */
  note: string;
  /** Set when the brokers do not have the API this kind needs (the run stops drawing it). */
  unsupported?: boolean;
}

export interface InjectorContext {
  cluster: ChaosCluster;
  layout: TopicLayout;
  /** The load: every partition must take records again after a fault. */
  load: Pick<LoadGenerator, 'mark' | 'stalledSince'>;
  settleTimeoutMs: number;
  /** Seconds since the run started. */
  elapsed: () => number;
  /** Told once the harm is done (the record has its target), before the hold. */
  onHarm?: (record: FaultRecord) => void;
}

interface Harm {
  target: string;
  undo: () => Promise<void>;
  note?: string;
  /** More to wait for before the fault counts as recovered. */
  done?: () => Promise<string | null>;
  /**
   * How long after the undo the cluster may still fall over because of the fault (a broker whose
   * ZooKeeper session did not survive a ZooKeeper restart loses it a session timeout later): the
   * settle check waits that long first, so a late failure is this fault's, not the next one's.
   */
  quietMs?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function injectFault(plan: PlannedFault, ctx: InjectorContext): Promise<FaultRecord> {
  const record: FaultRecord = {
    number: plan.number,
    kind: plan.kind,
    at: Math.round(ctx.elapsed() * 10) / 10,
    target: '',
    holdMs: plan.holdMs,
    outcome: 'ok',
    recoveryMs: null,
    note: '',
  };
  let harm: Harm | string;
  try {
    harm = await doHarm(plan, ctx.cluster, ctx.layout);
  } catch (err) {
    return { ...record, outcome: 'error', note: (err as Error).message };
  }
  if (typeof harm === 'string') {
    const unsupported = harm.startsWith('unsupported: ');
    return { ...record, outcome: 'skipped', note: harm, ...(unsupported ? { unsupported } : {}) };
  }
  record.target = harm.target;
  record.note = harm.note ?? '';
  ctx.onHarm?.(record);
  try {
    await sleep(plan.holdMs);
    const undoing = performance.now();
    await harm.undo();
    const undoMs = performance.now() - undoing;
    // A killed broker may wait for its old session to expire before it is let in again.
    if (undoMs > 1000) record.note += `${record.note ? '; ' : ''}undone in ${(undoMs / 1000).toFixed(1)} s`;
  } catch (err) {
    return { ...record, outcome: 'error', note: `undoing it: ${(err as Error).message}` };
  }
  const mark = ctx.load.mark();
  const partitions = partitionNames(ctx.layout);
  const done = harm.done;
  const quiet = harm.quietMs ?? 0;
  await sleep(quiet);
  const settled = await ctx.cluster.waitSettled(ctx.layout, ctx.settleTimeoutMs, async () => {
    const more = done ? await done() : null;
    return more ?? ctx.load.stalledSince(mark, partitions);
  });
  record.recoveryMs = Math.round(quiet + settled.ms);
  if (!settled.settled) {
    record.outcome = 'stuck';
    const diagnosis = await ctx.cluster.diagnose();
    record.note = [
      record.note,
      `not settled after ${Math.round(settled.ms / 1000)} s: ${settled.reason}`,
      diagnosis,
    ]
      .filter(Boolean)
      .join('; ');
  }
  return record;
}

/** Does the harm of `plan`; returns how to undo it, or why it was skipped. */
async function doHarm(
  plan: PlannedFault,
  cluster: ChaosCluster,
  layout: TopicLayout,
): Promise<Harm | string> {
  const view = await cluster.metadataFromAny(layout.names);
  if (!view) return 'no broker answered Metadata';
  const ids = cluster.ids();
  const [pick, pick2] = plan.picks;
  const partition = pickWith(view.partitions, pick);
  const led = (id: number): string[] =>
    view.partitions.filter((p) => p.leader === id).map((p) => `${p.topic}/${p.partition}`);

  const killAndRestart = async (id: number, role: string): Promise<Harm | string> => {
    const node = cluster.node(id);
    if (node.state !== 'up') return `broker ${id} is not serving`;
    await node.kill();
    const leads = led(id);
    return {
      target: `broker ${id} (${role})`,
      note: leads.length > 0 ? `it led ${leads.join(' ')}` : 'it led no partition',
      undo: () => cluster.restart(id),
    };
  };

  switch (plan.kind) {
    case 'kill-controller':
      if (view.controllerId < 0) return 'no controller';
      return killAndRestart(view.controllerId, 'controller');
    case 'kill-leader':
      if (!partition || partition.leader < 0) return 'no partition with a leader';
      return killAndRestart(partition.leader, `leader of ${name(partition)}`);
    case 'kill-follower': {
      if (!partition) return 'no partition';
      const followers = partition.replicas.filter((r) => r !== partition.leader).sort((a, b) => a - b);
      const follower = pickWith(followers, pick2);
      if (follower === undefined) return `${name(partition)} has no follower`;
      return killAndRestart(follower, `follower of ${name(partition)}`);
    }
    case 'pause': {
      const id = pickWith(ids, pick)!;
      const node = cluster.node(id);
      node.pause();
      const role = id === view.controllerId ? 'controller' : `leads ${led(id).length} partitions`;
      return { target: `broker ${id} (${role})`, undo: async () => node.resume() };
    }
    case 'zookeeper-restart':
      await cluster.killZooKeeper();
      return {
        target: 'ZooKeeper',
        undo: () => cluster.restartZooKeeper(),
        quietMs: cluster.sessionTimeoutMs + 2000,
      };
    case 'zookeeper-session-expiry': {
      const id = pickWith(ids, pick)!;
      const link = cluster.node(id).zookeeperLink;
      link.cutAll('blackhole');
      const role = id === view.controllerId ? 'controller' : `leads ${led(id).length} partitions`;
      return { target: `broker ${id} (${role})`, undo: async () => link.healAll() };
    }
    case 'broker-link-cut': {
      const pairs = ids.flatMap((a) => ids.filter((b) => b > a).map((b) => [a, b] as const));
      const [a, b] = pickWith(pairs, pick)!;
      cluster.cutLink(a, b);
      const roles = [a, b].map((id) => (id === view.controllerId ? `${id} (controller)` : String(id)));
      return { target: `brokers ${roles.join(' and ')}`, undo: async () => cluster.healLink(a, b) };
    }
    case 'reassignment': {
      if (!partition) return 'no partition';
      const replicas = newReplicas(partition.replicas, ids, plan.picks);
      const started = await startReassignment(cluster, partition, replicas);
      if (started.outcome === 'unsupported') return `unsupported: ${started.reason}`;
      if (started.outcome === 'refused') return `refused: ${started.reason}`;
      return {
        target: `${name(partition)} [${partition.replicas}] -> [${replicas}]`,
        undo: async () => {},
        done: () => reassignmentDone(cluster, partition, replicas),
      };
    }
  }
}

/** Every partition of the run's topics, as `<topic>/<partition>`. */
export function partitionNames(layout: TopicLayout): string[] {
  return layout.names.flatMap((t) => Array.from({ length: layout.partitions }, (_, p) => `${t}/${p}`));
}

function name(p: PartitionView): string {
  return `${p.topic}/${p.partition}`;
}
