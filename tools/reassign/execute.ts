/**
 * `kiln reassign --execute`: checks the plan against the cluster (topics, partitions and brokers
 * must exist), prints the current placement of its partitions (to save for a rollback), sets the
 * replication throttle when asked (throttles.ts), starts the moves with one
 * AlterPartitionReassignments to the controller and places replicas in the log directories the
 * plan names (log-dir-moves.ts). Like Kafka's tool it refuses to start while other moves are in
 * progress unless --additional (which also changes the throttle of a running plan given again).
 * Exit 1 when any partition was refused (each is printed with its Kafka error name).
 */
import { errorName } from '../client/kafka-client.js';
import { ErrorCode } from '../../server/protocol/error-codes.js';
import { InputError } from './json-input.js';
import { logDirMovesOf, startLogDirMoves } from './log-dir-moves.js';
import { byPartition, formatPlan, partitionName, planProblems, type PlannedPartition } from './plan.js';
import type { Output, PartitionState, ReassignAdmin } from './reassign-admin.js';
import { movesOf, setThrottle, throttlePlan } from './throttles.js';

export interface ExecuteOptions {
  /** Bytes per second, or undefined for no throttle. */
  throttle: number | undefined;
  /** How long to keep asking brokers to place replicas in their log dirs. */
  timeoutMs: number;
  /** Start even though other moves are in progress. */
  additional: boolean;
}

const plural = (n: number, word: string): string => (n === 1 ? word : `${word}s`);

export async function execute(
  admin: ReassignAdmin,
  out: Output,
  plan: readonly PlannedPartition[],
  options: ExecuteOptions,
): Promise<number> {
  const view = await admin.cluster([...new Set(plan.map((p) => p.topic))]);
  const problems = planProblems(plan, {
    brokers: new Set(view.brokers.map((b) => b.id)),
    partitionCounts: new Map([...view.topics].map(([t, ps]) => [t, ps.length])),
  });
  if (problems.length > 0)
    throw new InputError(`the plan does not fit the cluster:\n  ${problems.join('\n  ')}`);
  const inProgress = await admin.listReassignments(null);
  if (inProgress.length > 0 && !options.additional) {
    out.err(
      `Cannot execute: partition reassignments are in progress (${inProgress
        .sort(byPartition)
        .map(partitionName)
        .join(', ')}). ` +
        'Add --additional to start this plan as well (or, given the same plan again, to change its throttle).',
    );
    return 1;
  }
  const current = new Map<string, PartitionState>();
  for (const partitions of view.topics.values()) for (const p of partitions) current.set(partitionName(p), p);
  const before = plan.map((p) => ({
    ...p,
    replicas: current.get(partitionName(p))!.replicas,
    logDirs: undefined,
  }));
  out.out(
    `Current partition replica assignment\n\n${formatPlan(before)}\n\n` +
      'Save this to use as the --reassignment-json-file option during rollback',
  );

  if (options.throttle !== undefined) {
    out.out('Warning: run --verify until the reassignment completes: it removes the throttle then.');
    const refused = await setThrottle(
      admin,
      out,
      throttlePlan(movesOf(plan, current, inProgress)),
      options.throttle,
    );
    if (refused.length > 0) {
      for (const line of refused) out.err(`The replication throttle was refused: ${line}`);
      out.err(
        'The reassignment was not started. Without --throttle it runs unthrottled; ' +
          'throttle settings that were accepted stay until removed (kiln configs --alter --delete-config).',
      );
      return 1;
    }
  }

  const results = await admin.alterReassignments(
    plan.map((p) => ({ topic: p.topic, partition: p.partition, replicas: p.replicas })),
  );
  const started: PlannedPartition[] = [];
  const errors: string[] = [];
  for (const p of [...plan].sort(byPartition)) {
    const r = results.find((x) => x.topic === p.topic && x.partition === p.partition);
    if (!r) errors.push(`${partitionName(p)}: the controller did not answer for it`);
    else if (r.errorCode === ErrorCode.NONE) started.push(p);
    else
      errors.push(
        `${partitionName(p)}: ${errorName(r.errorCode)}${r.errorMessage ? ` (${r.errorMessage})` : ''}`,
      );
  }
  if (started.length > 0)
    out.out(
      `Successfully started partition ${plural(started.length, 'reassignment')} for ${started.map(partitionName).join(',')}`,
    );
  if (errors.length > 0)
    out.err(`Error reassigning ${plural(errors.length, 'partition')}:\n${errors.join('\n')}`);

  const dirMoves = logDirMovesOf(started);
  const dirFailures =
    dirMoves.length > 0 ? await startLogDirMoves(admin, out, dirMoves, options.timeoutMs) : [];
  if (dirFailures.length > 0)
    out.err(`Could not place replicas in the log dirs the plan names:\n${dirFailures.join('\n')}`);
  return errors.length > 0 || dirFailures.length > 0 ? 1 : 0;
}
