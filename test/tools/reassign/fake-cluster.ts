// An in-memory cluster behind the ReassignAdmin interface, for the tests of `kiln reassign`'s
// actions without brokers: partitions with replicas, moves that start, complete or are cancelled
// (as KIP-455's controller does them), per-resource config overrides (with configs a broker can be
// made to refuse), and replicas in log dirs. Every call is recorded, so tests see what was asked.
import { ErrorCode } from '../../../server/protocol/error-codes.js';
import { KafkaError } from '../../../tools/client/kafka-client.js';
import type { BrokerSpot } from '../../../tools/reassign/balanced-assignment.js';
import { partitionName, type PartitionRef } from '../../../tools/reassign/plan.js';
import type {
  ClusterView,
  ConfigResource,
  Output,
  PartitionResult,
  PartitionState,
  ReassignAdmin,
  Reassignment,
  ReplicaDir,
} from '../../../tools/reassign/reassign-admin.js';

const key = (r: ConfigResource): string => (r.kind === 'broker' ? `broker:${r.id}` : `topic:${r.name}`);

export class FakeCluster implements ReassignAdmin {
  readonly partitions = new Map<string, PartitionState>();
  readonly moves = new Map<string, Reassignment>();
  readonly configs = new Map<string, Map<string, string>>();
  /** Config names every resource refuses (INVALID_CONFIG), as a broker without them would. */
  readonly refused = new Set<string>();
  /** Replica copies: "broker/topic-partition" → its dir and size, and a future copy if moving. */
  readonly dirs = new Map<string, { dir: string; size: number; future?: string }>();
  /** Brokers that cannot be reached. */
  readonly down = new Set<number>();
  readonly calls: string[] = [];
  sleeps = 0;
  /** Called at each sleep: lets a test move the cluster on while a command waits. */
  onSleep: () => void = () => {};

  constructor(public brokers: BrokerSpot[]) {}

  /** Adds a topic whose partition p has replicas `assignment[p]` (all in sync, first leads). */
  topic(name: string, assignment: number[][]): this {
    assignment.forEach((replicas, partition) =>
      this.partitions.set(`${name}-${partition}`, {
        topic: name,
        partition,
        leader: replicas[0]!,
        replicas: [...replicas],
        isr: [...replicas],
      }),
    );
    return this;
  }

  /** Ends the move of `name` as the controller does once the new replicas are in sync. */
  complete(name: string): void {
    const move = this.moves.get(name)!;
    const p = this.partitions.get(name)!;
    const target = move.replicas.filter((r) => !move.removing.includes(r));
    this.partitions.set(name, {
      ...p,
      replicas: target,
      isr: target,
      leader: target.includes(p.leader) ? p.leader : target[0]!,
    });
    this.moves.delete(name);
  }

  async cluster(topics: string[] | null): Promise<ClusterView> {
    this.calls.push(`cluster ${topics === null ? '*' : topics.join(',')}`);
    const view: ClusterView = { brokers: this.brokers.map((b) => ({ ...b })), topics: new Map() };
    for (const p of this.partitions.values()) {
      if (topics !== null && !topics.includes(p.topic)) continue;
      view.topics.set(p.topic, [...(view.topics.get(p.topic) ?? []), { ...p }]);
    }
    for (const list of view.topics.values()) list.sort((a, b) => a.partition - b.partition);
    return view;
  }

  async alterReassignments(
    moves: (PartitionRef & { replicas: number[] | null })[],
  ): Promise<PartitionResult[]> {
    this.calls.push(
      `alter ${moves.map((m) => `${partitionName(m)}=${m.replicas === null ? 'null' : m.replicas.join(',')}`).join(' ')}`,
    );
    return moves.map((m) => {
      const name = partitionName(m);
      const result = (errorCode: number, errorMessage: string | null = null): PartitionResult => ({
        topic: m.topic,
        partition: m.partition,
        errorCode,
        errorMessage,
      });
      const p = this.partitions.get(name);
      if (!p) return result(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'no such partition');
      const move = this.moves.get(name);
      const original = move ? move.replicas.filter((r) => !move.adding.includes(r)) : p.replicas;
      if (m.replicas === null) {
        if (!move) return result(ErrorCode.NO_REASSIGNMENT_IN_PROGRESS);
        this.moves.delete(name);
        this.partitions.set(name, {
          ...p,
          replicas: original,
          isr: p.isr.filter((r) => original.includes(r)),
        });
        return result(ErrorCode.NONE);
      }
      const dead = m.replicas.filter((r) => !this.brokers.some((b) => b.id === r));
      if (dead.length > 0) return result(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `brokers not alive: ${dead}`);
      const replicas = [...new Set([...m.replicas, ...original])];
      const adding = replicas.filter((r) => !original.includes(r));
      const removing = replicas.filter((r) => !m.replicas!.includes(r));
      if (adding.length === 0 && removing.length === 0) {
        this.partitions.set(name, { ...p, replicas: [...m.replicas] });
        return result(ErrorCode.NONE);
      }
      this.moves.set(name, { topic: m.topic, partition: m.partition, replicas, adding, removing });
      this.partitions.set(name, { ...p, replicas });
      return result(ErrorCode.NONE);
    });
  }

  async listReassignments(partitions: PartitionRef[] | null): Promise<Reassignment[]> {
    this.calls.push('list');
    const wanted = partitions === null ? null : new Set(partitions.map(partitionName));
    return [...this.moves.values()]
      .filter((m) => wanted === null || wanted.has(partitionName(m)))
      .map((m) => ({ ...m }));
  }

  async overrides(resource: ConfigResource): Promise<Set<string>> {
    this.reach(resource);
    return new Set(this.configs.get(key(resource))?.keys() ?? []);
  }

  async alterConfigs(
    resource: ConfigResource,
    set: ReadonlyMap<string, string>,
    remove: readonly string[],
  ): Promise<void> {
    this.reach(resource);
    this.calls.push(
      `configs ${key(resource)} set ${[...set].map(([k, v]) => `${k}=${v}`).join(' ')} remove ${remove.join(' ')}`,
    );
    const refused = [...set.keys()].find((k) => this.refused.has(k));
    if (refused)
      throw new KafkaError(
        ErrorCode.INVALID_CONFIG,
        `IncrementalAlterConfigs ${key(resource)}`,
        `unknown config ${refused}`,
      );
    const configs = this.configs.get(key(resource)) ?? new Map<string, string>();
    for (const [k, v] of set) configs.set(k, v);
    for (const k of remove) configs.delete(k);
    this.configs.set(key(resource), configs);
  }

  async alterReplicaLogDirs(
    broker: number,
    moves: (PartitionRef & { dir: string })[],
  ): Promise<PartitionResult[]> {
    this.calls.push(`alterLogDirs ${broker} ${moves.map((m) => `${partitionName(m)}>${m.dir}`).join(' ')}`);
    return moves.map((m) => {
      const copy = this.dirs.get(`${broker}/${partitionName(m)}`);
      let errorCode: number = ErrorCode.NONE;
      if (!copy) errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      else if (!m.dir.startsWith('/data')) errorCode = ErrorCode.LOG_DIR_NOT_FOUND;
      else if (copy.dir === m.dir) delete copy.future;
      else copy.future = m.dir;
      return { topic: m.topic, partition: m.partition, errorCode, errorMessage: null };
    });
  }

  async describeLogDirs(broker: number, partitions: PartitionRef[]): Promise<ReplicaDir[]> {
    this.reach({ kind: 'broker', id: broker });
    const out: ReplicaDir[] = [];
    for (const p of partitions) {
      const copy = this.dirs.get(`${broker}/${partitionName(p)}`);
      if (!copy) continue;
      out.push({ topic: p.topic, partition: p.partition, dir: copy.dir, size: copy.size, future: false });
      if (copy.future)
        out.push({ topic: p.topic, partition: p.partition, dir: copy.future, size: 0, future: true });
    }
    return out;
  }

  async highWatermarks(leader: number, partitions: PartitionRef[]): Promise<Map<string, number>> {
    this.reach({ kind: 'broker', id: leader });
    return new Map(partitions.map((p) => [partitionName(p), 1000]));
  }

  async sleep(): Promise<void> {
    this.sleeps++;
    this.onSleep();
  }

  private reach(resource: ConfigResource): void {
    if (resource.kind === 'broker' && this.down.has(resource.id))
      throw new KafkaError(ErrorCode.LEADER_NOT_AVAILABLE, `broker ${resource.id}`);
  }
}

/** An Output that keeps what a command prints. */
export function captured(): Output & { stdout: string; stderr: string } {
  const sink = {
    stdout: '',
    stderr: '',
    out(text: string) {
      sink.stdout += `${text}\n`;
    },
    err(text: string) {
      sink.stderr += `${text}\n`;
    },
  };
  return sink;
}
