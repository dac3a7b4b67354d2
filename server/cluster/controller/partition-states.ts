/**
 * What the controller knows of every partition (its state, replicas and state znode version, as
 * last read or written) and the changes it makes to them in ZooKeeper: first states for new
 * partitions, and changes computed from states read fresh (partition-state-updates.ts) by Kafka's
 * rules (partition-leader-election.ts): leader elections, and a controlled shutdown's moves. Every write is fenced by the
 * controller's epoch; the caller's `Term` stops the work once its term has ended.
 */
import { newTopicId } from '../topic-store.js';
import { ControllerMovedError } from '../zookeeper/controller-election.js';
import { TermEndedError } from './term-ended-error.js';
import type { ZkClient, ZkOp } from '../zookeeper/zk-client.js';
import { readEntityConfig } from '../zookeeper/zk-configs.js';
import {
  ensurePartitionParents,
  partitionState,
  statesToCreate,
  topicConfig,
  versionedAssignment,
} from '../zookeeper/zk-topics.js';
import { topicPath, topicZnode, type PartitionState } from '../zookeeper/znodes.js';
import type { KnownPartition } from './controller-requests.js';
import {
  firstState,
  followerLeavingState,
  needsUncleanChoice,
  onlineState,
  shutdownState,
  type Liveness,
} from './partition-leader-election.js';
import { updatePartitionStates, type PartitionRef, type StateChange } from './partition-state-updates.js';

export interface PartitionStatesOptions {
  zk: ZkClient;
  fencedMulti: (ops: ZkOp[]) => Promise<void>;
  log: (message: string) => void;
  /** The controller's own broker id: its dynamic broker config counts for unclean elections. */
  brokerId: number;
  /** unclean.leader.election.enable in server.properties, for topics and dynamic configs that do not set it. */
  uncleanLeaderElectionEnable: boolean;
}

/** The controller's term an operation runs in: its epoch, and a check that throws once it ended. */
export interface Term {
  controllerEpoch: number;
  stillCurrent: () => void;
}

export const partitionKey = (topic: string, partition: number): string => `${topic}-${partition}`;

export class PartitionStates {
  /** By topic, then partition. */
  readonly byTopic = new Map<string, Map<number, KnownPartition>>();
  /** Each topic's id as last read or given: a rewrite without one (an old tool) gets it back. */
  private readonly topicIds = new Map<string, string>();

  constructor(private readonly options: PartitionStatesOptions) {}

  /** Each known topic's id, as its assignment znode holds it (UpdateMetadata tells brokers). */
  get ids(): ReadonlyMap<string, string> {
    return this.topicIds;
  }

  get(ref: PartitionRef): KnownPartition | undefined {
    return this.byTopic.get(ref.topic)?.get(ref.partition);
  }

  /** Records a partition's new replica assignment (a move started, changed or completed). */
  setAssignment(ref: PartitionRef, a: { replicas: number[]; adding: number[]; removing: number[] }): void {
    const known = this.get(ref);
    if (known) this.byTopic.get(ref.topic)!.set(ref.partition, { ...known, ...a });
  }

  /** The known partitions matching `test`. */
  where(test: (p: KnownPartition) => boolean): PartitionRef[] {
    const out: PartitionRef[] = [];
    for (const [topic, partitions] of this.byTopic) {
      for (const [partition, p] of partitions) if (test(p)) out.push({ topic, partition });
    }
    return out;
  }

  /** Forgets the topics not in `names`; returns their partitions. */
  forgetAllBut(names: readonly string[]): PartitionRef[] {
    const gone: PartitionRef[] = [];
    for (const [topic, partitions] of this.byTopic) {
      if (names.includes(topic)) continue;
      for (const partition of partitions.keys()) gone.push({ topic, partition });
      this.byTopic.delete(topic);
    }
    for (const topic of this.topicIds.keys()) if (!names.includes(topic)) this.topicIds.delete(topic);
    return gone;
  }

  clear(): void {
    this.byTopic.clear();
    this.topicIds.clear();
  }

  /**
   * Loads the partitions of `names` not yet known (loadTopic; one topic that cannot be set up does
   * not hold up the others: it is counted in `failures` and logged) and forgets the topics not
   * among them. Returns the partitions that became known ("topic-partition") and those forgotten.
   */
  async loadTopics(
    names: readonly string[],
    liveness: Liveness,
    term: Term,
    watch: () => void,
  ): Promise<{ changed: Set<string>; gone: PartitionRef[]; failures: number }> {
    const changed = new Set<string>();
    let failures = 0;
    for (const topic of names) {
      try {
        for (const p of await this.loadTopic(topic, liveness, term, watch))
          changed.add(partitionKey(p.topic, p.partition));
      } catch (err) {
        if (err instanceof TermEndedError || err instanceof ControllerMovedError) throw err;
        failures++;
        this.options.log(`controller: cannot set up topic ${topic}: ${(err as Error).message}`);
      }
    }
    return { changed, gone: this.forgetAllBut(names), failures };
  }

  /**
   * Loads the topic's partitions not yet known (its assignment watched with `watch`, so added
   * partitions are seen), writing first states for those that have none. Returns the partitions
   * that became known.
   */
  async loadTopic(topic: string, liveness: Liveness, term: Term, watch: () => void): Promise<PartitionRef[]> {
    const read = await versionedAssignment(this.options.zk, topic, watch);
    term.stillCurrent();
    if (!read) return [];
    const { assignment } = read;
    if (assignment.topicId !== null) this.topicIds.set(topic, assignment.topicId);
    else {
      // Written without an id (by Kafka before 2.8, or its tools writing ZooKeeper directly):
      // it gets one, as Kafka's controller gives one, so brokers can host it — the one it had if
      // an old tool rewrote a known topic (adding partitions), or brokers would disagree on it.
      // The write changes the znode, and its watch brings the topic back here with the id.
      const topicId = this.topicIds.get(topic) ?? newTopicId();
      this.topicIds.set(topic, topicId);
      const withId = { ...assignment, topicId };
      await this.options.fencedMulti([
        { op: 'set', path: topicPath(topic), data: topicZnode.encode(withId), version: read.version },
      ]);
      term.stillCurrent();
      this.options.log(`controller: topic ${topic} was written without its topic id; it is ${topicId}`);
    }
    const fresh = new Map<number, PartitionState>();
    const stored = new Map<number, KnownPartition>();
    for (const [p, replicas] of assignment.partitions) {
      if (this.byTopic.get(topic)?.has(p)) continue;
      const state = await partitionState(this.options.zk, topic, p);
      term.stillCurrent();
      const adding = assignment.addingReplicas.get(p) ?? [];
      const removing = assignment.removingReplicas.get(p) ?? [];
      if (state) {
        stored.set(p, { ...state, replicas, adding, removing });
        continue;
      }
      // Every live replica is in sync (none holds anything yet), as Kafka starts a partition; a
      // partition with no replica alive waits for one.
      const first = firstState(replicas, liveness, term.controllerEpoch);
      if (first) fresh.set(p, first);
    }
    if (fresh.size > 0) {
      // The empty parents first (a controller that failed over midway may have left some), then
      // the states, fenced by this controller's epoch.
      await ensurePartitionParents(this.options.zk, topic, [...fresh.keys()]);
      term.stillCurrent();
      await this.options.fencedMulti(statesToCreate(topic, fresh));
      term.stillCurrent();
      this.options.log(`controller: ${fresh.size} partition(s) of ${topic} online`);
    }
    let known = this.byTopic.get(topic);
    if (!known) this.byTopic.set(topic, (known = new Map()));
    for (const [p, state] of stored) known.set(p, state);
    for (const [p, state] of fresh)
      known.set(p, {
        ...state,
        replicas: assignment.partitions.get(p)!,
        adding: assignment.addingReplicas.get(p) ?? [],
        removing: assignment.removingReplicas.get(p) ?? [],
        zkVersion: 0,
      });
    return [...stored.keys(), ...fresh.keys()].map((partition) => ({ topic, partition }));
  }

  /**
   * New states (onlineState) for `candidates` with the brokers as `liveness` says, computed from
   * their states read fresh. Returns the partitions written ("topic-partition").
   */
  elect(candidates: PartitionRef[], liveness: Liveness, term: Term): Promise<Set<string>> {
    const unclean = new Map<string, Promise<boolean>>();
    return this.update(
      candidates,
      async (ref, current) => {
        const replicas = this.get(ref)?.replicas;
        if (!replicas) return null;
        let allowUnclean = false;
        if (needsUncleanChoice(replicas, current, liveness)) {
          if (!unclean.has(ref.topic)) unclean.set(ref.topic, this.uncleanEnabled(ref.topic));
          allowUnclean = await unclean.get(ref.topic)!;
        }
        return onlineState(replicas, current, liveness, allowUnclean, term.controllerEpoch);
      },
      term,
    );
  }

  /** The replicated partitions (more than one replica) broker `id` leads, and those it follows. */
  replicatedOn(id: number): { led: PartitionRef[]; followed: PartitionRef[] } {
    const on = (p: KnownPartition): boolean => p.replicas.length > 1 && p.replicas.includes(id);
    return {
      led: this.where((p) => on(p) && p.leader === id),
      followed: this.where((p) => on(p) && p.leader !== id),
    };
  }

  /** Moves leadership of `led` off broker `id`, which is shutting down (shutdownState). Returns those written. */
  moveLeadershipOff(id: number, led: PartitionRef[], liveness: Liveness, term: Term): Promise<Set<string>> {
    return this.update(
      led,
      (ref, current) => {
        const replicas = this.get(ref)?.replicas;
        if (!replicas || current.leader !== id) return null;
        return shutdownState(replicas, current, liveness, term.controllerEpoch);
      },
      term,
    );
  }

  /** Takes broker `id` out of the ISRs of `followed` (followerLeavingState). Returns those written. */
  removeFollower(id: number, followed: PartitionRef[], term: Term): Promise<Set<string>> {
    return this.update(
      followed,
      (_ref, current) => followerLeavingState(current, id, term.controllerEpoch),
      term,
    );
  }

  /**
   * Applies `change` to the partitions' states read fresh (version-checked, fenced writes) and
   * keeps what was read or written. Returns the partitions written ("topic-partition").
   */
  async update(partitions: PartitionRef[], change: StateChange, term: Term): Promise<Set<string>> {
    if (partitions.length === 0) return new Set();
    const updated = await updatePartitionStates(partitions, change, {
      zk: this.options.zk,
      fencedMulti: this.options.fencedMulti,
      controllerEpoch: term.controllerEpoch,
      stillCurrent: term.stillCurrent,
      log: this.options.log,
    });
    term.stillCurrent();
    const written = new Set<string>();
    for (const u of updated) {
      const known = this.get(u);
      if (!known) continue; // its topic went meanwhile
      this.byTopic.get(u.topic)!.set(u.partition, {
        ...u.state,
        replicas: known.replicas,
        adding: known.adding,
        removing: known.removing,
      });
      if (!u.written) continue;
      const name = partitionKey(u.topic, u.partition);
      written.add(name);
      this.options.log(
        `controller: ${name} leader ${u.state.leader}, ISR [${u.state.isr.join(',')}], ` +
          `leader epoch ${u.state.leaderEpoch}`,
      );
    }
    return written;
  }

  /**
   * The topic's unclean.leader.election.enable, as Kafka's controller finds it: the topic's
   * override, else this broker's dynamic config, else the cluster-wide dynamic default
   * (`/config/brokers/<id>`, `/config/brokers/<default>`), else server.properties. Read when an
   * election needs it, so a change made a moment ago counts.
   */
  private async uncleanEnabled(topic: string): Promise<boolean> {
    const { zk, brokerId } = this.options;
    const sources: Array<[string, () => Promise<Record<string, string>>]> = [
      [`the config of ${topic}`, () => topicConfig(zk, topic)],
      [
        `broker ${brokerId}'s dynamic config`,
        async () => (await readEntityConfig(zk, { kind: 'broker', id: brokerId })).config,
      ],
      [
        'the dynamic broker default',
        async () => (await readEntityConfig(zk, { kind: 'broker', id: 'default' })).config,
      ],
    ];
    for (const [what, read] of sources) {
      try {
        const value = (await read())['unclean.leader.election.enable'];
        if (value !== undefined) return value.trim().toLowerCase() === 'true';
      } catch (err) {
        this.options.log(`controller: cannot read ${what}: ${(err as Error).message}`);
      }
    }
    return this.options.uncleanLeaderElectionEnable;
  }
}
