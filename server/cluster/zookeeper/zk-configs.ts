/**
 * Entity configs in ZooKeeper, where Kafka 2.x keeps them in ZooKeeper mode, and the change
 * notifications that tell every broker one changed (formats in znodes.ts):
 *
 *   /config/topics/<topic>              a topic's overrides            {"version":1,"config":{...}}
 *   /config/brokers/<id>                a broker's dynamic configs     (same)
 *   /config/brokers/<default>           the cluster-wide defaults      (same)
 *   /config/changes/config_change_<seq10>  {"version":2,"entity_path":"topics/<topic>"}
 *
 * An entity path is the config node's path below /config: `topics/<t>`, `brokers/<id>` or
 * `brokers/<default>`. A change is one atomic multi: the config node created, or replaced at the
 * version it was read at, and a notification created with it, so no broker hears of a change that
 * was not written, nor misses one that was. (Kafka writes the two one after the other; read back,
 * the nodes are the same.) Notifications are sequential nodes: a broker handles those with a
 * sequence number above the last it handled.
 */
import { ZkError, type ZkClient } from './zk-client.js';
import {
  CONFIG_CHANGE_PREFIX,
  configChangePath,
  configChangeZnode,
  entityConfigPath,
  entityConfigZnode,
  PATHS,
} from './znodes.js';

type Props = Record<string, string>;

/** What a config change is about: a topic, a broker by id, or the cluster-wide broker default. */
export type ConfigEntity = { kind: 'topic'; topic: string } | { kind: 'broker'; id: number | 'default' };

/** The entity path of an entity: `topics/<t>`, `brokers/<id>`, `brokers/<default>`. */
export function entityPath(entity: ConfigEntity): string {
  if (entity.kind === 'topic') return `topics/${entity.topic}`;
  return `brokers/${entity.id === 'default' ? '<default>' : entity.id}`;
}

/** The entity an entity path names, or undefined for kinds Kiln does not use (clients, users, ...). */
export function parseEntityPath(path: string): ConfigEntity | undefined {
  const slash = path.indexOf('/');
  const kind = path.slice(0, slash);
  const name = path.slice(slash + 1);
  if (slash <= 0 || name === '' || name.includes('/')) return undefined;
  if (kind === 'topics') return { kind: 'topic', topic: name };
  if (kind !== 'brokers') return undefined;
  if (name === '<default>') return { kind: 'broker', id: 'default' };
  return /^\d+$/.test(name) ? { kind: 'broker', id: Number(name) } : undefined;
}

export interface VersionedConfig {
  config: Props;
  /** The config node's version, what a change of it must name; -1 when there is no node. */
  version: number;
}

/** The entity's config ({} when no node holds one) and the node's version. */
export async function readEntityConfig(zk: ZkClient, entity: ConfigEntity): Promise<VersionedConfig> {
  const path = entityConfigPath(entityPath(entity));
  const node = await zk.get(path);
  if (!node) return { config: {}, version: -1 };
  return { config: entityConfigZnode.decode(path, node.data), version: node.version };
}

/**
 * Writes `config` as the entity's whole config and a change notification, in one multi. The node
 * is replaced if its version is still `version`, or created if `version` is -1; ZkError BAD_VERSION
 * or NODE_EXISTS when another writer got there first.
 */
export async function writeEntityConfig(
  zk: ZkClient,
  entity: ConfigEntity,
  config: Props,
  version: number,
): Promise<void> {
  const path = entityConfigPath(entityPath(entity));
  const data = entityConfigZnode.encode(config);
  await zk.multi([
    version < 0 ? { op: 'create', path, data } : { op: 'set', path, data, version },
    {
      op: 'create',
      path: CONFIG_CHANGE_PREFIX,
      data: configChangeZnode.encode(entityPath(entity)),
      mode: 'persistent_sequential',
    },
  ]);
}

/** Another writer kept changing the entity's config; the change was not made. */
export class ConfigContentionError extends Error {
  constructor(entity: ConfigEntity, attempts: number) {
    super(`the config of ${entityPath(entity)} changed under ${attempts} attempts to change it; try again`);
    this.name = 'ConfigContentionError';
  }
}

/**
 * Read, decide, write: `decide` gets the entity's current config and returns the new one, or null
 * to write nothing. When another writer changed the node between the read and the write, it is
 * read and decided again, up to `attempts` times (then ConfigContentionError). Resolves with
 * whether it wrote.
 */
export async function updateEntityConfig(
  zk: ZkClient,
  entity: ConfigEntity,
  decide: (current: Readonly<Props>) => Props | null,
  attempts = 5,
): Promise<boolean> {
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const { config, version } = await readEntityConfig(zk, entity);
    const next = decide(config);
    if (next === null) return false;
    try {
      await writeEntityConfig(zk, entity, next, version);
      return true;
    } catch (err) {
      const raced = err instanceof ZkError && (err.code === 'BAD_VERSION' || err.code === 'NODE_EXISTS');
      if (!raced) throw err;
    }
  }
  throw new ConfigContentionError(entity, attempts);
}

export interface ConfigChange {
  /** The node's name, `config_change_<seq10>`. */
  name: string;
  /** The sequence number ZooKeeper gave it. */
  sequence: number;
}

const CHANGE_NAME = /^config_change_(\d+)$/;

/** The change notifications there are, oldest first; `watch` fires once when the list changes. */
export async function configChanges(zk: ZkClient, watch?: () => void): Promise<ConfigChange[]> {
  const names = (await zk.children(PATHS.configChanges, watch)) ?? [];
  const changes: ConfigChange[] = [];
  for (const name of names) {
    const match = CHANGE_NAME.exec(name);
    if (match) changes.push({ name, sequence: Number(match[1]) });
  }
  return changes.sort((a, b) => a.sequence - b.sequence);
}

/** The entity path a notification names, or null if it is gone (purged meanwhile). */
export async function changedEntityPath(zk: ZkClient, name: string): Promise<string | null> {
  const path = configChangePath(name);
  const node = await zk.get(path);
  return node ? configChangeZnode.decode(path, node.data) : null;
}

/** Deletes a notification; one already gone (another broker purged it) is no error. */
export async function deleteConfigChange(zk: ZkClient, name: string): Promise<void> {
  try {
    await zk.delete(configChangePath(name));
  } catch (err) {
    if (!(err instanceof ZkError && err.code === 'NO_NODE')) throw err;
  }
}
