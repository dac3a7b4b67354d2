/**
 * Replicas a plan puts in a named log directory (its "log_dirs" other than "any"): AlterReplicaLogDirs
 * to the replica's broker. A replica the broker does not hold yet (a new replica of a move that has
 * just started) cannot be placed, so --execute asks again every 100 ms until it can, or until
 * --timeout, as Kafka's tool does. --verify describes each one (DescribeLogDirs): in the directory
 * (completed), its copy on the way there (in progress), or elsewhere.
 */
import path from 'node:path';
import { errorName } from '../client/kafka-client.js';
import { ErrorCode } from '../../server/protocol/error-codes.js';
import { ANY_LOG_DIR, byPartition, partitionName, type PartitionRef, type PlannedPartition } from './plan.js';
import type { Output, ReassignAdmin } from './reassign-admin.js';

export interface ReplicaMove extends PartitionRef {
  broker: number;
  dir: string;
}

/** Answers that mean "this broker has no such replica yet": ask again. */
const NOT_THERE_YET = new Set<number>([
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.REPLICA_NOT_AVAILABLE,
]);
const RETRY_MS = 100;

const replicaName = (m: ReplicaMove): string => `${partitionName(m)} on broker ${m.broker}`;
const sameDir = (a: string, b: string): boolean =>
  path.posix.normalize(a).replace(/(.)\/$/, '$1') === path.posix.normalize(b).replace(/(.)\/$/, '$1');

/** The replicas the plan places in a named directory. */
export function logDirMovesOf(plan: readonly PlannedPartition[]): ReplicaMove[] {
  return plan.flatMap((p) =>
    p.replicas
      .map((broker, i) => ({ topic: p.topic, partition: p.partition, broker, dir: p.logDirs[i]! }))
      .filter((m) => m.dir !== ANY_LOG_DIR),
  );
}

function byBroker(moves: readonly ReplicaMove[]): Map<number, ReplicaMove[]> {
  const groups = new Map<number, ReplicaMove[]>();
  for (const m of moves) groups.set(m.broker, [...(groups.get(m.broker) ?? []), m]);
  return groups;
}

/**
 * Asks each replica's broker to place it in its directory, again while the broker does not hold
 * it yet, for at most `timeoutMs`. Prints each move started; returns the failures, one line each.
 */
export async function startLogDirMoves(
  admin: ReassignAdmin,
  out: Output,
  moves: readonly ReplicaMove[],
  timeoutMs: number,
): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let pending = [...moves];
  const failures: string[] = [];
  while (pending.length > 0) {
    const waiting: ReplicaMove[] = [];
    for (const [broker, list] of byBroker(pending)) {
      const results = await admin.alterReplicaLogDirs(broker, list);
      for (const m of list) {
        const code =
          results.find((r) => r.topic === m.topic && r.partition === m.partition)?.errorCode ??
          ErrorCode.UNKNOWN_SERVER_ERROR;
        if (code === ErrorCode.NONE) out.out(`Started moving replica ${replicaName(m)} to log dir ${m.dir}.`);
        else if (NOT_THERE_YET.has(code)) waiting.push(m);
        else failures.push(`${replicaName(m)} to ${m.dir}: ${errorName(code)}`);
      }
    }
    pending = waiting;
    if (pending.length === 0) break;
    if (Date.now() >= deadline) {
      failures.push(
        ...pending.map(
          (m) =>
            `${replicaName(m)} to ${m.dir}: the broker does not hold the replica yet (gave up after ${timeoutMs} ms)`,
        ),
      );
      break;
    }
    await admin.sleep(RETRY_MS);
  }
  return failures;
}

export type LogDirState =
  | { kind: 'completed' }
  | { kind: 'in-progress' }
  | { kind: 'elsewhere'; current: string; future: string | null }
  | { kind: 'missing' };

/** Where each replica is, against where the plan wants it. */
export async function logDirStates(
  admin: ReassignAdmin,
  moves: readonly ReplicaMove[],
): Promise<{ move: ReplicaMove; state: LogDirState }[]> {
  const result: { move: ReplicaMove; state: LogDirState }[] = [];
  for (const [broker, list] of byBroker(moves)) {
    const dirs = await admin.describeLogDirs(broker, list);
    for (const m of list) {
      const mine = dirs.filter((d) => d.topic === m.topic && d.partition === m.partition);
      const current = mine.find((d) => !d.future)?.dir;
      const future = mine.find((d) => d.future)?.dir ?? null;
      let state: LogDirState;
      if (current === undefined) state = { kind: 'missing' };
      else if (future !== null && sameDir(future, m.dir)) state = { kind: 'in-progress' };
      else if (future === null && sameDir(current, m.dir)) state = { kind: 'completed' };
      else state = { kind: 'elsewhere', current, future };
      result.push({ move: m, state });
    }
  }
  return result.sort((a, b) => a.move.broker - b.move.broker || byPartition(a.move, b.move));
}

/** One line per replica, for --verify. */
export function logDirLine({ move, state }: { move: ReplicaMove; state: LogDirState }): string {
  const name = replicaName(move);
  switch (state.kind) {
    case 'completed':
      return `Reassignment of replica ${name} to log dir ${move.dir} is completed.`;
    case 'in-progress':
      return `Reassignment of replica ${name} to log dir ${move.dir} is still in progress.`;
    case 'missing':
      return `Replica ${name} is in none of the broker's live log dirs (wanted in ${move.dir}).`;
    case 'elsewhere':
      return state.future === null
        ? `Replica ${name} is in ${state.current}, not ${move.dir}, and is not being moved.`
        : `Replica ${name} is being moved to ${state.future} instead of ${move.dir}.`;
  }
}
