/**
 * Kafka's partition reassignment plan, the file `kiln reassign` reads and prints:
 *
 *   {"version":1,"partitions":[
 *     {"topic":"orders","partition":0,"replicas":[2,3],"log_dirs":["any","/data/d2"]}]}
 *
 * - version: 1 (the only one; may be left out);
 * - partitions: the partitions to move, each once: topic, partition index, the new replica list
 *   (broker ids, first the preferred leader, no broker twice, not empty) and, optionally,
 *   log_dirs: per replica the data directory it should live in on its broker, or "any" to let the
 *   broker choose (as many entries as replicas; all "any" when left out).
 *
 * And the input of --generate, the topics to move:  {"version":1,"topics":[{"topic":"orders"}]}
 *
 * The printed form is one line of JSON, partitions sorted by topic then partition, every
 * partition with its log_dirs, so it can be saved and given back to --execute.
 */
import {
  InputError,
  arrayAt,
  checkVersion,
  idAt,
  nameAt,
  objectAt,
  readJsonFile,
  repeated,
} from './json-input.js';

/** The log directory entry that lets the broker choose. */
export const ANY_LOG_DIR = 'any';

export interface PartitionRef {
  topic: string;
  partition: number;
}

export interface PlannedPartition extends PartitionRef {
  replicas: number[];
  /** Per replica, its directory or "any". */
  logDirs: string[];
}

/** `orders-0`, as Kafka names a partition. */
export const partitionName = (p: PartitionRef): string => `${p.topic}-${p.partition}`;

/** Orders partitions by topic, then index. */
export const byPartition = (a: PartitionRef, b: PartitionRef): number =>
  a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition;

/** Reads and checks a plan file (see the top of this file); any problem is an InputError. */
export function readPlan(file: string): PlannedPartition[] {
  return parsePlan(readJsonFile(file, 'reassignment plan'), file);
}

export function parsePlan(json: unknown, file: string): PlannedPartition[] {
  const top = objectAt(json, file);
  checkVersion(top, file);
  if (top.partitions === undefined) throw new InputError(`${file}: no "partitions" list`);
  const entries = arrayAt(top.partitions, `${file}: partitions`);
  if (entries.length === 0) throw new InputError(`${file}: the "partitions" list is empty: nothing to move`);
  const plan = entries.map((entry, i) => parseEntry(entry, `${file}: partitions[${i}]`));
  const twice = repeated(plan, partitionName);
  if (twice.length > 0)
    throw new InputError(`${file}: partition ${twice.map(partitionName).join(', ')} listed more than once`);
  return plan;
}

function parseEntry(entry: unknown, where: string): PlannedPartition {
  const fields = objectAt(entry, where);
  const topic = nameAt(fields.topic, `${where}.topic`);
  const partition = idAt(fields.partition, `${where}.partition`);
  const name = `${where} (${topic}-${partition})`;
  const replicas = arrayAt(fields.replicas, `${name}.replicas`).map((r, j) =>
    idAt(r, `${name}.replicas[${j}]`),
  );
  if (replicas.length === 0) throw new InputError(`${name}: the replica list is empty`);
  const dup = repeated(replicas);
  if (dup.length > 0)
    throw new InputError(
      `${name}: broker ${dup.join(', ')} appears more than once in replicas [${replicas}]`,
    );
  let logDirs = replicas.map(() => ANY_LOG_DIR);
  if (fields.log_dirs !== undefined) {
    logDirs = arrayAt(fields.log_dirs, `${name}.log_dirs`).map((d, j) => nameAt(d, `${name}.log_dirs[${j}]`));
    if (logDirs.length !== replicas.length)
      throw new InputError(
        `${name}: ${logDirs.length} log_dirs for ${replicas.length} replicas (give one per replica, "any" to let the broker choose)`,
      );
  }
  return { topic, partition, replicas, logDirs };
}

/** Reads the topics-to-move file of --generate: their names, each once. */
export function readTopicsToMove(file: string): string[] {
  return parseTopicsToMove(readJsonFile(file, 'topics-to-move file'), file);
}

export function parseTopicsToMove(json: unknown, file: string): string[] {
  const top = objectAt(json, file);
  checkVersion(top, file);
  if (top.topics === undefined) throw new InputError(`${file}: no "topics" list`);
  const topics = arrayAt(top.topics, `${file}: topics`).map((t, i) =>
    nameAt(objectAt(t, `${file}: topics[${i}]`).topic, `${file}: topics[${i}].topic`),
  );
  if (topics.length === 0) throw new InputError(`${file}: the "topics" list is empty: nothing to move`);
  const twice = repeated(topics);
  if (twice.length > 0) throw new InputError(`${file}: topic ${twice.join(', ')} listed more than once`);
  return topics;
}

/** The printed plan (one line of JSON), sorted; log_dirs default to "any". */
export function formatPlan(
  partitions: readonly (PartitionRef & { replicas: number[]; logDirs?: string[] })[],
): string {
  const sorted = [...partitions].sort(byPartition);
  return JSON.stringify({
    version: 1,
    partitions: sorted.map((p) => ({
      topic: p.topic,
      partition: p.partition,
      replicas: p.replicas,
      log_dirs: p.logDirs ?? p.replicas.map(() => ANY_LOG_DIR),
    })),
  });
}

/** What the cluster is known to hold, for checking a plan against it. */
export interface KnownCluster {
  brokers: ReadonlySet<number>;
  /** Partition count of each existing topic. */
  partitionCounts: ReadonlyMap<string, number>;
}

/**
 * Why the plan cannot be carried out on this cluster: topics or partitions that do not exist,
 * broker ids that are not in the cluster. Empty when it can.
 */
export function planProblems(plan: readonly PlannedPartition[], cluster: KnownCluster): string[] {
  const problems: string[] = [];
  const brokerList = [...cluster.brokers].sort((a, b) => a - b).join(',');
  for (const p of plan) {
    const count = cluster.partitionCounts.get(p.topic);
    if (count === undefined) problems.push(`${partitionName(p)}: topic ${p.topic} does not exist`);
    else if (p.partition >= count)
      problems.push(`${partitionName(p)}: no such partition (${p.topic} has ${count})`);
    const unknown = p.replicas.filter((r) => !cluster.brokers.has(r));
    if (unknown.length > 0)
      problems.push(
        `${partitionName(p)}: no broker ${unknown.join(', ')} in the cluster (its brokers: ${brokerList})`,
      );
  }
  return problems;
}
