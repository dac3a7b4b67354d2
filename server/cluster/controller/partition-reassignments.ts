/**
 * The controller's partition moves (KIP-455; the rules are in reassignment-rules.ts): starting,
 * changing and cancelling them (AlterPartitionReassignments, or /admin/reassign_partitions),
 * completing each once its new replicas are in sync, resuming them when a controller starts,
 * and listing them (ListPartitionReassignments).
 *
 * Starting a move writes the topic's assignment (target and original replicas together, with
 * adding/removing) version-checked, then the partition's state at its next leader epoch, so
 * every replica, the new ones included, learns the new replica list with LeaderAndIsr; new
 * replicas start as followers. Completion (checked whenever the controller reads a moving
 * partition's ISR again) writes the state first (leader among the target replicas, ISR without
 * the removed ones), then the assignment without the old replicas; the removed replicas are told
 * to stop and delete their copies, and /admin/reassign_partitions forgets the partition. A
 * controller that fails between two writes leaves what the next one resumes.
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import { ControllerMovedError } from '../zookeeper/controller-election.js';
import { ZkError, type ZkClient, type ZkOp } from '../zookeeper/zk-client.js';
import {
  assignmentUpdate,
  forgetRequestedMoves,
  requestedMoves,
  type RequestedMove,
} from '../zookeeper/zk-reassignments.js';
import { versionedAssignment } from '../zookeeper/zk-topics.js';
import { deleteTopicPath } from '../zookeeper/znodes.js';
import type { PartitionFilter } from './controller-requests.js';
import { canLead, NO_LEADER, type Liveness } from './partition-leader-election.js';
import type { PartitionRef } from './partition-state-updates.js';
import { partitionKey, type PartitionStates, type Term } from './partition-states.js';
import {
  completedState,
  isMoving,
  moveCaughtUp,
  originalReplicas,
  reassignTo,
  targetProblem,
  targetReplicas,
  type ReplicaAssignment,
} from './reassignment-rules.js';
import { TermEndedError } from './term-ended-error.js';

/** What the moves need of the controller. */
export interface ReassignmentContext {
  zk: ZkClient;
  fencedMulti: (ops: ZkOp[]) => Promise<void>;
  partitions: PartitionStates;
  liveness: () => Liveness;
  sendLeaderAndIsr: (brokers: Iterable<number>, which: PartitionFilter) => void;
  sendMetadataToAll: () => void;
  /** StopReplica with deletion to broker `id` (resolves once answered or failed; never rejects). */
  deleteReplicas: (id: number, partitions: PartitionRef[]) => Promise<void>;
  /** Fires once when /admin/reassign_partitions is created, changed or deleted. */
  onRequestedMovesChanged: () => void;
  log: (message: string) => void;
}

/** A move asked for: its partition and target replicas, or null to cancel the move in progress. */
export interface MoveRequest extends PartitionRef {
  replicas: number[] | null;
}

export interface MoveResult extends PartitionRef {
  errorCode: number;
  errorMessage: string | null;
}

export interface ListedMove extends PartitionRef {
  replicas: number[];
  adding: number[];
  removing: number[];
}

export class PartitionReassignments {
  constructor(private readonly ctx: ReassignmentContext) {}

  /** Starts, changes or cancels moves; one result per request. */
  async alter(requests: readonly MoveRequest[], term: Term): Promise<MoveResult[]> {
    const results: MoveResult[] = [];
    const started: PartitionRef[] = [];
    for (const request of requests) {
      const result = await this.alterOne(request, term);
      results.push(result);
      if (result.errorCode === ErrorCode.NONE) started.push(request);
    }
    if (started.length > 0) {
      this.ctx.sendMetadataToAll();
      await this.checkProgress(started, term);
    }
    return results;
  }

  /** The moves in progress among `refs` (all of them when null). */
  list(refs: readonly PartitionRef[] | null): ListedMove[] {
    const partitions = this.ctx.partitions;
    const wanted = refs ?? partitions.where((p) => isMoving(p));
    const out: ListedMove[] = [];
    for (const ref of wanted) {
      const p = partitions.get(ref);
      if (p && isMoving(p))
        out.push({ ...ref, replicas: [...p.replicas], adding: [...p.adding], removing: [...p.removing] });
    }
    return out;
  }

  /** Completes the moves among `refs` whose target replicas are all in sync now. */
  async checkProgress(refs: readonly PartitionRef[] | 'all', term: Term): Promise<void> {
    const partitions = this.ctx.partitions;
    const moving = (refs === 'all' ? partitions.where(() => true) : refs).filter((r) => {
      const p = partitions.get(r);
      return p !== undefined && isMoving(p);
    });
    for (const ref of moving) {
      try {
        await this.maybeComplete(ref, term);
      } catch (err) {
        if (err instanceof TermEndedError || err instanceof ControllerMovedError) throw err;
        this.ctx.log(
          `controller: cannot complete the move of ${partitionKey(ref.topic, ref.partition)} yet: ${(err as Error).message}`,
        );
      }
    }
  }

  /**
   * A new controller: moves found in the assignments go on (their replicas were told with the
   * controller's LeaderAndIsr to all), then those asked for under /admin/reassign_partitions.
   */
  async resume(term: Term): Promise<void> {
    await this.checkProgress('all', term);
    await this.startRequested(term);
  }

  /** Starts the moves under /admin/reassign_partitions (watching it); refused ones leave it. */
  async startRequested(term: Term): Promise<void> {
    const read = await requestedMoves(this.ctx.zk, this.ctx.onRequestedMovesChanged).catch((err: unknown) => {
      this.ctx.log(`controller: cannot read /admin/reassign_partitions: ${(err as Error).message}`);
      return { moves: [] as RequestedMove[], version: -1, malformed: true };
    });
    term.stillCurrent();
    if (!read) return;
    const refused = new Set<string>();
    const requests: MoveRequest[] = [];
    for (const move of read.moves) {
      const known = this.ctx.partitions.get(move);
      // Already there (moved, or asked again): nothing to start, and it leaves the znode below.
      if (known && !isMoving(known) && sameList(known.replicas, move.replicas)) continue;
      if (known && isMoving(known) && sameList(targetReplicas(known), move.replicas)) continue;
      requests.push({ ...move });
    }
    for (const result of await this.alter(requests, term)) {
      if (result.errorCode === ErrorCode.NONE) continue;
      refused.add(partitionKey(result.topic, result.partition));
      this.ctx.log(
        `controller: the move of ${partitionKey(result.topic, result.partition)} in /admin/reassign_partitions ` +
          `is refused: ${result.errorMessage ?? result.errorCode}`,
      );
    }
    await this.forgetRequested(term, (m) => refused.has(partitionKey(m.topic, m.partition)));
  }

  private async alterOne(request: MoveRequest, term: Term): Promise<MoveResult> {
    const fail = (errorCode: number, errorMessage: string): MoveResult => ({
      topic: request.topic,
      partition: request.partition,
      errorCode,
      errorMessage,
    });
    const known = this.ctx.partitions.get(request);
    if (!known) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'This partition does not exist.');
    if (await this.ctx.zk.exists(deleteTopicPath(request.topic)))
      return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic ${request.topic} is being deleted.`);
    term.stillCurrent();
    let target = request.replicas;
    if (target === null) {
      if (!isMoving(known))
        return fail(ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, 'No reassignment is in progress.');
      target = originalReplicas(known);
    }
    const problem = targetProblem(known, target, this.ctx.liveness().live);
    if (problem) return fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, problem);
    const next = reassignTo(known, target);
    // Replicas an earlier target added that this one does not want: they stop and lose their copy.
    const dropped = known.replicas.filter((r) => !next.replicas.includes(r));
    const liveness = this.ctx.liveness();
    const state = await this.ctx.partitions.update(
      [request],
      (_ref, current) => {
        const keep = next.replicas.includes(current.leader) || current.leader === NO_LEADER;
        const leader = keep
          ? current.leader
          : next.replicas.find((r) => current.isr.includes(r) && canLead(r, liveness));
        if (leader === undefined) return null;
        const isr = current.isr.filter((r) => next.replicas.includes(r));
        return { leader, isr, leaderEpoch: current.leaderEpoch + 1, controllerEpoch: term.controllerEpoch };
      },
      term,
    );
    if (state.size === 0 && dropped.length > 0) {
      return fail(
        ErrorCode.REASSIGNMENT_IN_PROGRESS,
        `The move in progress cannot change now: no replica of [${next.replicas.join(', ')}] can lead.`,
      );
    }
    await this.writeAssignment(request, next, term);
    this.ctx.sendLeaderAndIsr([...next.replicas], new Set([partitionKey(request.topic, request.partition)]));
    for (const id of dropped) void this.ctx.deleteReplicas(id, [request]);
    this.ctx.log(
      `controller: ${partitionKey(request.topic, request.partition)} moving to [${target.join(',')}]: ` +
        `replicas [${next.replicas.join(',')}], adding [${next.adding.join(',')}], removing [${next.removing.join(',')}]`,
    );
    return {
      topic: request.topic,
      partition: request.partition,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
    };
  }

  private async maybeComplete(ref: PartitionRef, term: Term): Promise<void> {
    const known = this.ctx.partitions.get(ref);
    if (!known || !isMoving(known)) return;
    if (!moveCaughtUp(known, known)) return;
    const assignment: ReplicaAssignment = {
      replicas: known.replicas,
      adding: known.adding,
      removing: known.removing,
    };
    const liveness = this.ctx.liveness();
    const written = await this.ctx.partitions.update(
      [ref],
      (_r, current) => {
        // Read again: the ISR the decision was made on must still hold every target replica.
        if (!moveCaughtUp(assignment, current)) return null;
        return completedState(assignment, current, liveness, term.controllerEpoch);
      },
      term,
    );
    // Not caught up after all, no target replica can lead yet, or the state kept changing: a
    // later ISR change or broker event tries again.
    if (written.size === 0) return;
    const target = targetReplicas(assignment);
    await this.writeAssignment(ref, { replicas: target, adding: [], removing: [] }, term);
    const key = partitionKey(ref.topic, ref.partition);
    this.ctx.sendLeaderAndIsr(target, new Set([key]));
    for (const id of assignment.removing) void this.ctx.deleteReplicas(id, [ref]);
    this.ctx.sendMetadataToAll();
    this.ctx.log(`controller: ${key} moved to [${target.join(',')}]`);
    await this.forgetRequested(term, (m) => m.topic === ref.topic && m.partition === ref.partition);
  }

  /** Takes moves out of /admin/reassign_partitions (done, refused, or no partition any more). */
  private async forgetRequested(term: Term, done: (m: RequestedMove) => boolean): Promise<void> {
    term.stillCurrent();
    await forgetRequestedMoves(this.ctx.zk, this.ctx.fencedMulti, (m) => {
      const known = this.ctx.partitions.get(m);
      if (!known) return true;
      if (done(m)) return true;
      return !isMoving(known) && sameList(known.replicas, m.replicas);
    });
  }

  /** Writes the partition's new assignment into its topic's znode (read fresh, version-checked). */
  private async writeAssignment(ref: PartitionRef, a: ReplicaAssignment, term: Term): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const read = await versionedAssignment(this.ctx.zk, ref.topic);
      term.stillCurrent();
      if (!read) throw new Error(`topic ${ref.topic} is gone`);
      const { assignment } = read;
      const set = (m: Map<number, number[]>, v: number[]): void => {
        if (v.length > 0) m.set(ref.partition, v);
        else m.delete(ref.partition);
      };
      assignment.partitions.set(ref.partition, a.replicas);
      set(assignment.addingReplicas, a.adding);
      set(assignment.removingReplicas, a.removing);
      try {
        await this.ctx.fencedMulti([assignmentUpdate(ref.topic, assignment, read.version)]);
        break;
      } catch (err) {
        if (!(err instanceof ZkError && err.code === 'BAD_VERSION') || attempt >= 10) throw err;
      }
    }
    term.stillCurrent();
    this.ctx.partitions.setAssignment(ref, {
      replicas: [...a.replicas],
      adding: [...a.adding],
      removing: [...a.removing],
    });
  }
}

const sameList = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);
