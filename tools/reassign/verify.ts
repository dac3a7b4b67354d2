/**
 * `kiln reassign --verify`: where each partition of a plan stands, as Kafka's tool reports it,
 * with how far moving partitions have caught up (catch-up.ts) and where the replicas placed in
 * named log dirs are (log-dir-moves.ts):
 *
 *   Status of partition reassignment:
 *   Reassignment of partition orders-0 is completed.
 *   Reassignment of partition orders-1 is still in progress.
 *     orders-1: leader 1 has 4.0 MiB up to offset 51200; replica 3 has 1.0 MiB (25%)
 *   Reassignment of partition orders-2 failed: replicas are [1,2], expected [2,3].
 *
 * A partition is in progress while the controller lists its move; once it is not, it is completed
 * when its replicas are the plan's (in the plan's order, as Kafka compares them) and failed
 * otherwise (the move was cancelled, or replaced by another) — after a few more looks when its
 * replicas are still the plan's plus others, as the brokers' metadata trails the controller by a
 * moment when a move completes. When nothing of the plan is in progress, and no other move
 * either, the replication throttle is removed (throttles.ts) unless --preserve-throttles; with
 * other moves still running it is kept, as they may need it.
 *
 * Exit code, as Kafka's tool: 0 whatever the states (1 only when something could not be asked).
 * With --wait it asks again every second until nothing of the plan is in progress: then 0 if every
 * partition completed, 1 if one failed or --timeout passed first.
 */
import { catchUpLines, type MovingPartition } from './catch-up.js';
import { logDirLine, logDirMovesOf, logDirStates } from './log-dir-moves.js';
import { byPartition, partitionName, type PlannedPartition } from './plan.js';
import type { Output, ReassignAdmin, Reassignment } from './reassign-admin.js';
import { clearThrottles } from './throttles.js';

export type PartitionStatus =
  | { kind: 'completed' }
  | { kind: 'in-progress'; move: Reassignment; leader: number }
  | { kind: 'failed'; current: number[] }
  | { kind: 'missing' };

export interface VerifyOptions {
  preserveThrottles: boolean;
  wait: boolean;
  /** With wait: give up after this long (undefined: no limit). */
  timeoutMs: number | undefined;
  /** With wait: pause between two looks. */
  intervalMs: number;
}

export interface Verified {
  /** Nothing of the plan is in progress. */
  done: boolean;
  /** Some partition or replica did not end where the plan wants it. */
  failed: boolean;
}

export function statusLine(p: PlannedPartition, status: PartitionStatus): string {
  const name = partitionName(p);
  switch (status.kind) {
    case 'completed':
      return `Reassignment of partition ${name} is completed.`;
    case 'in-progress':
      return `Reassignment of partition ${name} is still in progress.`;
    case 'failed':
      return `Reassignment of partition ${name} failed: replicas are [${status.current.join(',')}], expected [${p.replicas.join(',')}].`;
    case 'missing':
      return `Reassignment of partition ${name} failed: the partition does not exist.`;
  }
}

const sameList = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/** How many more looks, how far apart, a partition whose metadata is behind its move gets. */
const SETTLE_LOOKS = 5;
const SETTLE_MS = 200;

/** Not moving, but its replicas are the plan's and more: the metadata is probably behind. */
const settling = (p: PlannedPartition, status: PartitionStatus): boolean =>
  status.kind === 'failed' &&
  status.current.length > p.replicas.length &&
  p.replicas.every((r) => status.current.includes(r));

/** The moves in progress, the plan's topics, and each planned partition's status. */
async function look(admin: ReassignAdmin, plan: readonly PlannedPartition[]) {
  const moves = await admin.listReassignments(null);
  const view = await admin.cluster([...new Set(plan.map((p) => p.topic))]);
  const moveOf = new Map(moves.map((m) => [partitionName(m), m]));
  const statuses = [...plan].sort(byPartition).map((p) => {
    const state = view.topics.get(p.topic)?.find((s) => s.partition === p.partition);
    const move = moveOf.get(partitionName(p));
    let status: PartitionStatus;
    if (move) status = { kind: 'in-progress', move, leader: state?.leader ?? -1 };
    else if (!state) status = { kind: 'missing' };
    else if (sameList(state.replicas, p.replicas)) status = { kind: 'completed' };
    else status = { kind: 'failed', current: state.replicas };
    return { p, status };
  });
  return { moves, view, statuses };
}

/** Looks once: prints the status and removes the throttle when nothing moves any more. */
export async function verifyOnce(
  admin: ReassignAdmin,
  out: Output,
  plan: readonly PlannedPartition[],
  preserveThrottles: boolean,
): Promise<Verified> {
  let { moves, view, statuses } = await look(admin, plan);
  // The controller stops listing a move as it completes, and the brokers answering Metadata learn
  // its new replicas a moment later: a partition that looks as if still moving (the plan's
  // replicas and others) is looked at again before it is called failed.
  for (
    let again = 0;
    again < SETTLE_LOOKS && statuses.some(({ p, status }) => settling(p, status));
    again++
  ) {
    await admin.sleep(SETTLE_MS);
    ({ moves, view, statuses } = await look(admin, plan));
  }
  const moving = statuses.flatMap(({ status }): MovingPartition[] =>
    status.kind === 'in-progress' ? [{ move: status.move, leader: status.leader }] : [],
  );
  const progress = moving.length > 0 ? await catchUpLines(admin, moving) : new Map<string, string>();
  const lines = ['Status of partition reassignment:'];
  for (const { p, status } of statuses) {
    lines.push(statusLine(p, status));
    const detail = progress.get(partitionName(p));
    if (status.kind === 'in-progress' && detail) lines.push(`  ${detail}`);
  }
  const dirMoves = logDirMovesOf(plan);
  const dirStates = dirMoves.length > 0 ? await logDirStates(admin, dirMoves) : [];
  lines.push(...dirStates.map(logDirLine));
  out.out(lines.join('\n'));

  const done = moving.length === 0 && !dirStates.some((d) => d.state.kind === 'in-progress');
  const failed =
    statuses.some(({ status }) => status.kind === 'failed' || status.kind === 'missing') ||
    dirStates.some((d) => d.state.kind !== 'completed' && d.state.kind !== 'in-progress');
  if (done && !preserveThrottles) {
    const planned = new Set(plan.map(partitionName));
    const others = moves.filter((m) => !planned.has(partitionName(m))).sort(byPartition);
    if (others.length > 0)
      out.out(
        `The replication throttle is kept: other partition reassignments are in progress (${others.map(partitionName).join(', ')}).`,
      );
    else
      await clearThrottles(
        admin,
        out,
        view.brokers.map((b) => b.id),
        [...new Set(plan.map((p) => p.topic))].sort(),
      );
  }
  return { done, failed };
}

export async function verify(
  admin: ReassignAdmin,
  out: Output,
  plan: readonly PlannedPartition[],
  options: VerifyOptions,
): Promise<number> {
  const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
  for (;;) {
    const { done, failed } = await verifyOnce(admin, out, plan, options.preserveThrottles);
    if (!options.wait) return 0;
    if (done) return failed ? 1 : 0;
    if (Date.now() >= deadline) {
      out.err(`Gave up waiting after ${options.timeoutMs} ms: the reassignment is still in progress.`);
      return 1;
    }
    await admin.sleep(options.intervalMs);
    out.out('');
  }
}
