/**
 * Keeps a cluster broker's configs what ZooKeeper says, as Kafka's dynamic config manager does in
 * ZooKeeper mode (where they are stored and how a change is written: zookeeper/zk-configs.ts).
 *
 * - At start, and on every new ZooKeeper session (the old one's watches are gone), it lists
 *   /config/changes with a child watch and notes the newest notification's sequence number, then
 *   reads and applies the configs of every topic it holds and its broker entries
 *   (/config/brokers/<id>, /config/brokers/<default>). What changed before is in those reads;
 *   what changes after comes as a newer notification.
 * - When the children change it handles, oldest first, every notification newer than the last it
 *   handled: it reads the entity's config node as it is now (a later change is then read twice,
 *   harmlessly) and applies it:
 *     topics/<t>          if this broker holds the topic: the overrides go to its open logs
 *                         (LogManager.setTopicConfig, as on a single node) and its topic store;
 *     brokers/<id>        for this broker's id, and brokers/<default>: the dynamic configs, put in
 *                         effect as a single node does (new defaults on every log, partition limits).
 *   Anything else (another broker's id, clients, users) is not this broker's concern. A value this
 *   broker cannot use is reported and the previous configs stay. The first full read puts the
 *   dynamic configs in effect even when they are what the broker opened them with: what lives
 *   outside the logs (the replication throttles' rates, held by the replica manager) is set so.
 * - Notifications it first saw more than `changeExpirationMs` ago (15 minutes, Kafka's) are deleted
 *   as it handles newer ones; any broker may delete them, and one already gone is no error. A
 *   broker away for longer reads every config when it starts anyway.
 *
 * One piece of work at a time, in order, so a full read and the handling of notifications never
 * interleave.
 */
import { InvalidConfigError, type LogManager } from '../../engine/index.js';
import type { DynamicBrokerConfigs, DynamicLevel } from '../config/dynamic-broker-configs.js';
import { usableTopicConfigs } from './cluster-configs.js';
import type { TopicManager } from './topic-manager.js';
import type { ZkClient } from './zookeeper/zk-client.js';
import {
  changedEntityPath,
  configChanges,
  deleteConfigChange,
  entityPath,
  parseEntityPath,
  readEntityConfig,
  type ConfigChange,
  type ConfigEntity,
} from './zookeeper/zk-configs.js';

type Props = Record<string, string>;

/** Kafka's changeExpirationMs: how long a handled notification is kept for brokers that lag. */
export const CONFIG_CHANGE_EXPIRATION_MS = 15 * 60_000;

export interface ConfigSyncOptions {
  zk: ZkClient;
  brokerId: number;
  /** The topics this broker holds (its store), whose overrides it applies. */
  topics: TopicManager;
  logs: LogManager;
  /** The broker's detached dynamic configs, which this keeps what ZooKeeper holds. */
  dynamic: DynamicBrokerConfigs;
  /** Puts `dynamic` in effect (topic defaults of every log, partition limits). */
  applyDynamic: () => void;
  log: (message: string) => void;
  warn: (message: string) => void;
  changeExpirationMs?: number;
  now?: () => number;
}

export class ConfigSync {
  /** The sequence number of the last notification handled (or seen at the last full read). */
  private lastSequence = -1;
  /** When this broker first saw each notification there is (ms, its own clock). */
  private readonly firstSeen = new Map<string, number>();
  private queue: Promise<void> = Promise.resolve();
  private stopped = false;
  private handlingQueued = false;
  /** Times the dynamic configs were put in effect (the first full read makes sure of once). */
  private dynamicApplied = 0;

  constructor(private readonly options: ConfigSyncOptions) {}

  /** Reads every config this broker applies and starts watching for changes. */
  async start(): Promise<void> {
    // Not awaited there: the broker's registration on the new session must not wait for this.
    this.options.zk.onNewSession(() => void this.enqueue(() => this.readAll()));
    await this.enqueue(() => this.readAll(), true);
  }

  /** No more work from here (ZooKeeper is left next; nothing waits for it). */
  stop(): void {
    this.stopped = true;
  }

  /**
   * Runs `work` after what is queued; its failure is reported (or, for `rethrow`, given to the
   * caller: a start that cannot read its configs fails).
   */
  private enqueue(work: () => Promise<void>, rethrow = false): Promise<void> {
    const run = this.queue.then(() => (this.stopped ? undefined : work()));
    this.queue = run.catch((err: unknown) => {
      if (!this.stopped) this.options.warn(`config changes: ${(err as Error).message}`);
    });
    return rethrow ? run : this.queue;
  }

  /** A child watch fired: the notifications are handled once, however many watches fired. */
  private readonly onChanges = (): void => {
    if (this.handlingQueued) return;
    this.handlingQueued = true;
    void this.enqueue(() => {
      this.handlingQueued = false;
      return this.handleChanges();
    });
  };

  /** The full read: the newest notification noted, then every config this broker applies. */
  private async readAll(): Promise<void> {
    const changes = await configChanges(this.options.zk, this.onChanges);
    this.lastSequence = changes.at(-1)?.sequence ?? -1;
    this.noteSeen(changes);
    await this.applyOrWarn({ kind: 'broker', id: this.options.brokerId });
    await this.applyOrWarn({ kind: 'broker', id: 'default' });
    if (this.dynamicApplied === 0 && !this.stopped) this.applyDynamic();
    for (const topic of this.options.topics.store.list())
      await this.applyOrWarn({ kind: 'topic', topic: topic.name });
  }

  /** apply(), with a failure to read the entity's znode reported rather than thrown. */
  private async applyOrWarn(entity: ConfigEntity): Promise<void> {
    try {
      await this.apply(entity);
    } catch (err) {
      if (!this.stopped)
        this.options.warn(`configs of ${entityPath(entity)} not applied: ${(err as Error).message}`);
    }
  }

  /** The notifications newer than the last handled, in order; then the expired ones purged. */
  private async handleChanges(): Promise<void> {
    const { zk } = this.options;
    const changes = await configChanges(zk, this.onChanges);
    for (const change of changes) {
      if (this.stopped) return;
      if (change.sequence <= this.lastSequence) continue;
      const path = await changedEntityPath(zk, change.name).catch((err: unknown) => {
        this.options.warn(`config change ${change.name} skipped: ${(err as Error).message}`);
        return null;
      });
      const entity = path === null ? undefined : parseEntityPath(path);
      // One entity that cannot be read (a malformed znode) must not hold up every later change.
      if (entity) await this.applyOrWarn(entity);
      this.lastSequence = change.sequence;
    }
    this.noteSeen(changes);
    await this.purge(changes);
  }

  private noteSeen(changes: ConfigChange[]): void {
    const now = (this.options.now ?? Date.now)();
    const present = new Set(changes.map((c) => c.name));
    for (const name of this.firstSeen.keys()) if (!present.has(name)) this.firstSeen.delete(name);
    for (const name of present) if (!this.firstSeen.has(name)) this.firstSeen.set(name, now);
  }

  /** Deletes the handled notifications first seen longer ago than the expiration. */
  private async purge(changes: ConfigChange[]): Promise<void> {
    const now = (this.options.now ?? Date.now)();
    const expiration = this.options.changeExpirationMs ?? CONFIG_CHANGE_EXPIRATION_MS;
    for (const { name, sequence } of changes) {
      const seen = this.firstSeen.get(name);
      if (sequence > this.lastSequence || seen === undefined || now - seen < expiration) continue;
      await deleteConfigChange(this.options.zk, name);
      this.firstSeen.delete(name);
    }
  }

  /**
   * Reads the configs of `topics` again and applies them (a broker that just started hosting
   * them may have read them before a change it then had no replica to apply to). Failures are
   * reported; the next change notification applies the topic anyway.
   */
  refreshTopics(topics: string[]): void {
    for (const topic of topics) {
      this.apply({ kind: 'topic', topic }).catch((err: unknown) => {
        if (!this.stopped) this.options.warn(`configs of topic ${topic}: ${(err as Error).message}`);
      });
    }
  }

  /** Reads the entity's config now and applies it, if it is one this broker applies. */
  private async apply(entity: ConfigEntity): Promise<void> {
    if (entity.kind === 'topic') {
      if (!this.options.topics.store.get(entity.topic)) return;
      const { config } = await readEntityConfig(this.options.zk, entity);
      if (!this.stopped) this.applyTopic(entity.topic, config);
      return;
    }
    const level: DynamicLevel | undefined =
      entity.id === 'default' ? 'default' : entity.id === this.options.brokerId ? 'broker' : undefined;
    if (!level) return;
    const { config } = await readEntityConfig(this.options.zk, entity);
    if (!this.stopped) this.applyBroker(level, config);
  }

  private applyTopic(topic: string, stored: Props): void {
    const { logs, topics } = this.options;
    const config = usableTopicConfigs(stored, (m) => this.options.warn(`configs of topic ${topic}: ${m}`));
    // Gone meanwhile (a StopReplica of a deleted topic), or nothing new (the same change read again).
    if (!topics.store.get(topic) || sameProps(logs.topicOverrides(topic), config)) return;
    try {
      logs.setTopicConfig(topic, config);
    } catch (err) {
      if (!(err instanceof InvalidConfigError)) throw err;
      this.options.warn(`configs of topic ${topic} in ZooKeeper ignored: ${err.message}`);
      return;
    }
    try {
      topics.store.setConfigs(topic, config);
    } catch (err) {
      // The logs have them; ZooKeeper stays the truth the next start reads.
      this.options.warn(`configs of topic ${topic} applied but not saved locally: ${(err as Error).message}`);
    }
    this.options.log(`configs of topic ${topic} are now ${JSON.stringify(config)}`);
  }

  private applyBroker(level: DynamicLevel, config: Props): void {
    const { dynamic, brokerId } = this.options;
    if (!dynamic.load(level, config, this.options.warn)) return;
    this.applyDynamic();
    const resource = level === 'broker' ? `broker ${brokerId}` : 'cluster default';
    this.options.log(`dynamic broker configs (${resource}) are now ${JSON.stringify(dynamic.get(level))}`);
  }

  private applyDynamic(): void {
    this.dynamicApplied++;
    this.options.applyDynamic();
  }
}

function sameProps(a: Readonly<Props>, b: Readonly<Props>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}
