/**
 * The embedded (single-node) metadata store: every topic with its id, partition count and config
 * overrides, kept in `<first log dir>/kiln-topics.json` and replaced atomically on every change.
 *
 *   { "version": 1, "topics": [ { "name": "orders", "id": "<22-char base64url UUID>",
 *       "partitions": 3, "configs": { "retention.ms": "86400000" }, "internal": false } ] }
 *
 * Topic ids are real: a random UUID per topic, kept here, because Metadata v10+ and Fetch v13+
 * name topics by id. (A multi-broker cluster keeps the same facts in ZooKeeper instead.)
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomically } from '../../engine/index.js';

export interface TopicInfo {
  name: string;
  id: string;
  partitions: number;
  configs: Record<string, string>;
  internal: boolean;
}

export const TOPICS_FILE = 'kiln-topics.json';
const MAX_NAME_LENGTH = 249;

export class TopicNameError extends Error {}

/**
 * The topics the broker owns (Kafka's two): clients may not produce to, grow or delete them. Other
 * names starting with '__' are ordinary topics (a file written when any such name counted as
 * internal is corrected when it is read).
 */
export const INTERNAL_TOPICS: ReadonlySet<string> = new Set(['__consumer_offsets', '__transaction_state']);

/** Kafka's rules for topic names; returns why a name is invalid, or undefined. */
export function topicNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'topic name is empty';
  if (name === '.' || name === '..') return `topic name cannot be '${name}'`;
  if (name.length > MAX_NAME_LENGTH) return `topic name is longer than ${MAX_NAME_LENGTH} characters`;
  if (!/^[a-zA-Z0-9._-]+$/.test(name))
    return `topic name '${name}' has characters other than ASCII alphanumerics, '.', '_' and '-'`;
  return undefined;
}

/** A UUID as Kafka shows it: 16 bytes in URL-safe base64 without padding. */
export function newTopicId(): string {
  return Buffer.from(randomUUID().replace(/-/g, ''), 'hex').toString('base64url');
}

export class TopicStore {
  private readonly topics = new Map<string, TopicInfo>();
  private readonly byId = new Map<string, TopicInfo>();

  private constructor(private readonly file: string) {}

  /**
   * Why the file could not be read when the store was opened (it was damaged and set aside as
   * `<file>.damaged-<time>`), or undefined. The topic manager then takes the topics from the
   * partition directories, with default configs.
   */
  damage: string | undefined;

  static open(dir: string): TopicStore {
    const store = new TopicStore(path.join(dir, TOPICS_FILE));
    if (!fs.existsSync(store.file)) return store;
    let data: { version: number; topics: TopicInfo[] };
    try {
      data = JSON.parse(fs.readFileSync(store.file, 'utf8')) as typeof data;
      if (!data || !Array.isArray(data.topics)) throw new Error('no topic list');
      for (const topic of data.topics) {
        if (typeof topic?.name !== 'string' || !Number.isInteger(topic.partitions) || topic.partitions < 1)
          throw new Error(`bad topic entry ${JSON.stringify(topic)}`);
      }
    } catch (err) {
      // Damage must not keep the broker from starting: the file is kept aside for a look.
      store.damage = `${store.file} cannot be read (${(err as Error).message})`;
      fs.renameSync(store.file, `${store.file}.damaged-${Date.now()}`);
      return store;
    }
    // A file from a newer Kiln is not damage: refusing to start is safer than guessing.
    if (data.version !== 1) throw new Error(`${store.file}: unknown version ${data.version}`);
    for (const topic of data.topics)
      store.index({ ...topic, configs: topic.configs ?? {}, internal: INTERNAL_TOPICS.has(topic.name) });
    return store;
  }

  private index(topic: TopicInfo): void {
    this.topics.set(topic.name, topic);
    this.byId.set(topic.id, topic);
  }

  list(): TopicInfo[] {
    return [...this.topics.values()];
  }

  get(name: string): TopicInfo | undefined {
    return this.topics.get(name);
  }

  getById(id: string): TopicInfo | undefined {
    return this.byId.get(id);
  }

  /** The name of an existing topic that differs from `name` only in '.' versus '_' (Kafka refuses such pairs). */
  collision(name: string): string | undefined {
    const key = name.replace(/\./g, '_');
    for (const existing of this.topics.keys())
      if (existing !== name && existing.replace(/\./g, '_') === key) return existing;
    return undefined;
  }

  create(name: string, partitions: number, configs: Record<string, string>, internal = false): TopicInfo {
    const topic: TopicInfo = { name, id: newTopicId(), partitions, configs: { ...configs }, internal };
    this.index(topic);
    this.saveOrUndo(() => {
      this.topics.delete(name);
      this.byId.delete(topic.id);
    });
    return topic;
  }

  /**
   * Records a topic the cluster made (cluster mode: its id and partition count come from
   * ZooKeeper), or brings a known one up to date; returns it.
   */
  adopt(name: string, id: string, partitions: number, configs: Record<string, string>): TopicInfo {
    const known = this.topics.get(name);
    if (known && known.id === id && known.partitions === partitions && sameConfigs(known.configs, configs)) {
      return known;
    }
    const before = known ? { ...known } : undefined;
    if (known) {
      this.byId.delete(known.id);
      this.topics.delete(name);
    }
    const topic: TopicInfo = {
      name,
      id,
      partitions,
      configs: { ...configs },
      internal: INTERNAL_TOPICS.has(name),
    };
    this.index(topic);
    this.saveOrUndo(() => {
      this.topics.delete(name);
      this.byId.delete(id);
      if (before) this.index(before);
    });
    return topic;
  }

  delete(name: string): TopicInfo | undefined {
    const topic = this.topics.get(name);
    if (!topic) return undefined;
    this.topics.delete(name);
    this.byId.delete(topic.id);
    this.saveOrUndo(() => this.index(topic));
    return topic;
  }

  setPartitions(name: string, partitions: number): void {
    const topic = this.topics.get(name);
    if (!topic) throw new Error(`no topic ${name}`);
    const before = topic.partitions;
    topic.partitions = partitions;
    this.saveOrUndo(() => (topic.partitions = before));
  }

  setConfigs(name: string, configs: Record<string, string>): void {
    const topic = this.topics.get(name);
    if (!topic) throw new Error(`no topic ${name}`);
    const before = topic.configs;
    topic.configs = { ...configs };
    this.saveOrUndo(() => (topic.configs = before));
  }

  /** Saves; when that fails (a full disk), `undo` puts the memory back as the file still has it. */
  private saveOrUndo(undo: () => void): void {
    try {
      this.save();
    } catch (err) {
      undo();
      throw err;
    }
  }

  private save(): void {
    writeFileAtomically(this.file, JSON.stringify({ version: 1, topics: this.list() }, null, 1));
  }
}

function sameConfigs(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}
