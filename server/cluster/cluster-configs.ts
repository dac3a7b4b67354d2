/**
 * Configs in cluster mode as the config handlers see them, the way Kafka's brokers handle them in
 * ZooKeeper mode: a topic's overrides and the dynamic broker configs live in ZooKeeper
 * (zookeeper/zk-configs.ts), any broker reads them there (so what one broker wrote, every broker
 * describes at once) and changes them there, version-checked, with a change notification; every
 * broker then applies the change it hears of (config-sync.ts), the one that wrote it included.
 */
import fs from 'node:fs';
import { InvalidConfigError, parseLogConfig } from '../../engine/index.js';
import path from 'node:path';
import { DYNAMIC_CONFIG_FILE, DynamicBrokerConfigs } from '../config/dynamic-broker-configs.js';
import type { ZkClient } from './zookeeper/zk-client.js';
import { readEntityConfig, updateEntityConfig, type ConfigEntity } from './zookeeper/zk-configs.js';
import { topicPath } from './zookeeper/znodes.js';

type Props = Record<string, string>;

export type ChangeOutcome = 'written' | 'not-written' | 'unknown-topic';

export class ClusterConfigs {
  constructor(private readonly zk: ZkClient) {}

  /** A topic's overrides, or null when the cluster has no such topic. */
  async topicConfig(topic: string): Promise<Props | null> {
    if (!(await this.zk.exists(topicPath(topic)))) return null;
    return (await readEntityConfig(this.zk, { kind: 'topic', topic })).config;
  }

  /** Broker `id`'s dynamic configs and the cluster-wide defaults, as ZooKeeper has them now. */
  async brokerLevels(id: number): Promise<{ broker: Props; default: Props }> {
    const [broker, clusterDefault] = await Promise.all([
      readEntityConfig(this.zk, { kind: 'broker', id }),
      readEntityConfig(this.zk, { kind: 'broker', id: 'default' }),
    ]);
    return { broker: broker.config, default: clusterDefault.config };
  }

  /** Broker `id`'s dynamic configs as a detached set (what it would apply), invalid entries left out. */
  async dynamicConfigsOf(
    id: number,
    warn?: (message: string) => void,
    dataDir?: string,
  ): Promise<DynamicBrokerConfigs> {
    // What the broker had saved as a single node stays where it is, unused: say so.
    if (dataDir && warn && fs.existsSync(path.join(dataDir, DYNAMIC_CONFIG_FILE)))
      warn(
        `${DYNAMIC_CONFIG_FILE} in ${dataDir} (dynamic configs saved as a single node) is ignored in a ` +
          'cluster, where they live in ZooKeeper (/config/brokers); set them again with AlterConfigs',
      );
    return DynamicBrokerConfigs.detached(id, await this.brokerLevels(id), warn);
  }

  /**
   * Changes an entity's config: `decide` gets the current one and returns the new whole set, or
   * null to write nothing (refused, or only validated). Read and decided again if another writer
   * got there first (ConfigContentionError after a few tries). A topic must exist.
   */
  async change(
    entity: ConfigEntity,
    decide: (current: Readonly<Props>) => Props | null,
  ): Promise<ChangeOutcome> {
    if (entity.kind === 'topic' && !(await this.zk.exists(topicPath(entity.topic)))) return 'unknown-topic';
    return (await updateEntityConfig(this.zk, entity, decide)) ? 'written' : 'not-written';
  }
}

/**
 * The entries of a topic's configs in ZooKeeper that this broker can apply: Kafka's tools may
 * write keys Kiln does not have (a newer Kafka's topic configs), and a hand-written value may not
 * parse. Those are left out, each reported to `warn`; the rest apply (kafka-reassign-partitions'
 * `*.replication.throttled.replicas` among them: they are topic configs Kiln has).
 */
export function usableTopicConfigs(config: Readonly<Props>, warn: (message: string) => void): Props {
  try {
    parseLogConfig(config);
    return { ...config };
  } catch (err) {
    if (!(err instanceof InvalidConfigError)) throw err;
  }
  const usable: Props = {};
  for (const [name, value] of Object.entries(config)) {
    try {
      parseLogConfig({ [name]: value });
      usable[name] = value;
    } catch (err) {
      if (!(err instanceof InvalidConfigError)) throw err;
      warn(`${name}=${value} left out: ${err.message}`);
    }
  }
  return usable;
}
