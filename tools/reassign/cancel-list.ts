/**
 * `kiln reassign --cancel` and `--list`.
 *
 * --cancel sends AlterPartitionReassignments with no replica list for every partition of the plan:
 * the controller moves each back to the replicas it had before (KIP-455). A partition that was not
 * moving answers NO_REASSIGNMENT_IN_PROGRESS, which is reported and is not a failure; any other
 * error is (exit 1). Replicas the plan was moving between log dirs are told to stay where they are.
 * Then, as --verify does, the replication throttle is removed if no move at all is left
 * (unless --preserve-throttles).
 *
 * --list prints every move in progress, as Kafka's tool does:
 *
 *   Current partition reassignments:
 *   orders-0: replicas: 2,3,1. adding: 3. removing: 1.
 */
import { errorName } from '../client/kafka-client.js';
import { ErrorCode } from '../../server/protocol/error-codes.js';
import { logDirMovesOf, logDirStates } from './log-dir-moves.js';
import { byPartition, partitionName, type PlannedPartition } from './plan.js';
import type { Output, ReassignAdmin } from './reassign-admin.js';
import { clearThrottles } from './throttles.js';

const plural = (n: number, word: string): string => (n === 1 ? word : `${word}s`);

export async function cancel(
  admin: ReassignAdmin,
  out: Output,
  plan: readonly PlannedPartition[],
  preserveThrottles: boolean,
): Promise<number> {
  const results = await admin.alterReassignments(
    plan.map((p) => ({ topic: p.topic, partition: p.partition, replicas: null })),
  );
  const cancelled: string[] = [];
  const idle: string[] = [];
  const errors: string[] = [];
  for (const p of [...plan].sort(byPartition)) {
    const r = results.find((x) => x.topic === p.topic && x.partition === p.partition);
    const name = partitionName(p);
    if (!r) errors.push(`${name}: the controller did not answer for it`);
    else if (r.errorCode === ErrorCode.NONE) cancelled.push(name);
    else if (r.errorCode === ErrorCode.NO_REASSIGNMENT_IN_PROGRESS) idle.push(name);
    else errors.push(`${name}: ${errorName(r.errorCode)}${r.errorMessage ? ` (${r.errorMessage})` : ''}`);
  }
  if (cancelled.length > 0)
    out.out(
      `Successfully cancelled partition ${plural(cancelled.length, 'reassignment')} for: ${cancelled.join(',')}`,
    );
  for (const name of idle)
    out.out(`No reassignment of partition ${name} was in progress (NO_REASSIGNMENT_IN_PROGRESS).`);
  if (errors.length > 0)
    out.err(`Error cancelling partition ${plural(errors.length, 'reassignment')}:\n${errors.join('\n')}`);

  // A replica still being copied to the plan's log dir stays in the one it is in.
  const dirMoves = logDirMovesOf(plan);
  const states = dirMoves.length > 0 ? await logDirStates(admin, dirMoves) : [];
  for (const { move, state } of states) {
    if (state.kind !== 'in-progress') continue;
    const current = (await admin.describeLogDirs(move.broker, [move])).find(
      (d) => !d.future && d.topic === move.topic && d.partition === move.partition,
    );
    if (!current) continue;
    const [answer] = await admin.alterReplicaLogDirs(move.broker, [{ ...move, dir: current.dir }]);
    if (answer?.errorCode === ErrorCode.NONE)
      out.out(
        `Cancelled the move of replica ${partitionName(move)} on broker ${move.broker} to log dir ${move.dir}.`,
      );
    else {
      const code = answer?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR;
      errors.push(`${partitionName(move)} on broker ${move.broker}: ${errorName(code)}`);
      out.err(
        `Could not cancel the log dir move of ${partitionName(move)} on broker ${move.broker}: ${errorName(code)}`,
      );
    }
  }

  if (!preserveThrottles) {
    const left = await admin.listReassignments(null);
    if (left.length === 0) {
      const view = await admin.cluster([]);
      await clearThrottles(
        admin,
        out,
        view.brokers.map((b) => b.id),
        [...new Set(plan.map((p) => p.topic))].sort(),
      );
    }
  }
  return errors.length > 0 ? 1 : 0;
}

export async function list(admin: ReassignAdmin, out: Output): Promise<number> {
  const moves = (await admin.listReassignments(null)).sort(byPartition);
  if (moves.length === 0) {
    out.out('No partition reassignments found.');
    return 0;
  }
  const lines = moves.map(
    (m) =>
      `${partitionName(m)}: replicas: ${m.replicas.join(',')}.` +
      (m.adding.length > 0 ? ` adding: ${m.adding.join(',')}.` : '') +
      (m.removing.length > 0 ? ` removing: ${m.removing.join(',')}.` : ''),
  );
  out.out(`Current partition reassignments:\n${lines.join('\n')}`);
  return 0;
}
