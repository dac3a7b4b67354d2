/**
 * What AlterConfigs and IncrementalAlterConfigs share: which resource a request may change, and
 * making a new set of values take effect.
 * - a topic: its overrides, validated by the engine (INVALID_CONFIG with its reason). On a single
 *   node they are saved in the topic store (so they survive a restart), then applied to the open
 *   logs. In a cluster they are written to ZooKeeper (/config/topics/<topic>, version-checked,
 *   with a change notification: server/cluster/cluster-configs.ts), and every broker holding the
 *   topic applies them when it hears of it (server/cluster/config-sync.ts), this one included;
 * - a broker (resource name = a broker id, or "" for the cluster-wide default): its dynamic
 *   configs. Only properties that can change at run time are accepted; any other refuses the
 *   whole resource with INVALID_REQUEST, as Kafka does. A single node takes only its own id and
 *   saves them in the data directory, then every log without its own override takes the new
 *   defaults at once; in a cluster any broker id is taken (as Kafka's ZooKeeper tools do), and they
 *   go to /config/brokers/<id> or /config/brokers/<default> and reach the brokers as topic configs do.
 */
import {
  deprecationWarnings,
  InvalidConfigError,
  parseLogConfig,
  TOPIC_PROPERTY,
} from '../../../engine/index.js';
import type { BrokerContext } from '../../broker-context.js';
import { BROKER_PROPERTY } from '../../config/broker-properties.js';
import type { ClusterConfigs } from '../../cluster/cluster-configs.js';
import { INTERNAL_TOPICS, topicNameProblem } from '../../cluster/topic-store.js';
import { entityPath, type ConfigEntity } from '../../cluster/zookeeper/zk-configs.js';
import {
  DynamicBrokerConfigs,
  DynamicConfigError,
  type DynamicLevel,
} from '../../config/dynamic-broker-configs.js';
import { ErrorCode } from '../../protocol/error-codes.js';

/** The config resource types Kiln has (Kafka's ids). */
export const ResourceType = { TOPIC: 2, BROKER: 4 } as const;

export interface ResourceError {
  errorCode: number;
  errorMessage: string;
}

/**
 * The broker's dynamic configs. A broker opens them at start; a context built without them (tests
 * of single handlers) loads them from the first data directory on first use.
 */
export function dynamicConfigsOf(broker: BrokerContext): DynamicBrokerConfigs {
  if (!broker.dynamic) {
    broker.dynamic = DynamicBrokerConfigs.open(broker.config.logDirs[0]!, broker.nodeId, (message) =>
      broker.log.warn(message),
    );
    applyDynamicConfigs(broker, broker.dynamic);
  }
  return broker.dynamic;
}

/**
 * Puts the dynamic configs in effect: topic defaults on every open log, partition limits, and in
 * a cluster the replication throttles' rates (this broker's own values only: they are per-broker).
 */
export function applyDynamicConfigs(broker: BrokerContext, dynamic: DynamicBrokerConfigs): void {
  broker.logs.setDefaults(dynamic.logDefaults(broker.config.logDefaults));
  broker.topics.setLimits({
    maxPartitionsPerTopic: dynamic.intValue(
      'kiln.max.partitions.per.topic',
      broker.config.maxPartitionsPerTopic,
    ),
    maxPartitions: dynamic.intValue('kiln.max.partitions', broker.config.maxPartitions),
  });
  const throttle = broker.config.replication.throttle;
  if (broker.replicas && throttle) {
    broker.replicas.quotas.setRates({
      leader: dynamic.intValue('leader.replication.throttled.rate', throttle.leaderRate),
      follower: dynamic.intValue('follower.replication.throttled.rate', throttle.followerRate),
    });
  }
}

export function unsupportedResourceError(resourceType: number): ResourceError {
  return {
    errorCode: ErrorCode.INVALID_REQUEST,
    errorMessage: `Unsupported resource type ${resourceType}: Kiln has topic (2) and broker (4) configs.`,
  };
}

export function unknownTopicError(name: string): ResourceError {
  return {
    errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    errorMessage: `Topic '${name}' does not exist.`,
  };
}

/** Which dynamic configs a broker resource names: a broker's (by id) or the cluster default. */
export type BrokerTarget = { level: 'broker'; id: number } | { level: 'default' };

/**
 * The dynamic configs a broker resource name stands for, or why it names none: on a single node
 * only this broker's id (or ""), in a cluster any broker id.
 */
export function brokerTarget(broker: BrokerContext, name: string): BrokerTarget | ResourceError {
  if (name === '') return { level: 'default' };
  if (name === String(broker.nodeId)) return { level: 'broker', id: broker.nodeId };
  if (broker.clusterConfigs && /^\d{1,9}$/.test(name)) return { level: 'broker', id: Number(name) };
  const expected = broker.clusterConfigs ? 'a broker id' : String(broker.nodeId);
  return {
    errorCode: ErrorCode.INVALID_REQUEST,
    errorMessage: `Unexpected broker id, expected ${expected} or empty string, but received ${name}`,
  };
}

export function isResourceError(value: object): value is ResourceError {
  return typeof (value as Partial<ResourceError>).errorCode === 'number';
}

/**
 * Logs a warning for each deprecated property `names` sets on `resource` (message.format.version
 * and its broker synonym): accepted and ignored as Kafka 3.x does, not refused as unknown.
 */
export function warnDeprecated(broker: BrokerContext, resource: string, names: Iterable<string>): void {
  for (const warning of deprecationWarnings(names)) broker.log.warn({ resource }, warning);
}

/** Why the resource an Alter request names cannot be altered, or undefined when it can. */
export function alterableResource(
  broker: BrokerContext,
  resourceType: number,
  name: string,
): ResourceError | undefined {
  if (resourceType === ResourceType.BROKER) {
    const target = brokerTarget(broker, name);
    return isResourceError(target) ? target : undefined;
  }
  if (resourceType !== ResourceType.TOPIC) return unsupportedResourceError(resourceType);
  const problem = topicNameProblem(name);
  if (problem) return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: problem };
  // In a cluster whether the topic exists is for ZooKeeper to say (when the change is made).
  const topic = broker.clusterConfigs ? undefined : broker.topics.store.get(name);
  if (!broker.clusterConfigs && !topic) return unknownTopicError(name);
  // The broker's own topics keep the configs it relies on: __consumer_offsets made `delete` or
  // given a short retention would lose committed offsets.
  if (topic?.internal || INTERNAL_TOPICS.has(name))
    return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `${name} is an internal topic` };
  return undefined;
}

/** What a change makes of a resource's current values: its new whole set, or why it is refused. */
export type Change = (current: Readonly<Record<string, string>>) => Record<string, string> | ResourceError;

/**
 * Makes the resource's values what `change` makes of them (checked first; validateOnly changes
 * nothing): at once on a single node, through ZooKeeper in a cluster. The resource must have
 * passed alterableResource.
 */
export function changeValues(
  broker: BrokerContext,
  resourceType: number,
  name: string,
  change: Change,
  validateOnly: boolean,
): ResourceError | undefined | Promise<ResourceError | undefined> {
  if (broker.clusterConfigs)
    return changeInCluster(broker, broker.clusterConfigs, resourceType, name, change, validateOnly);
  const target =
    resourceType === ResourceType.BROKER ? (brokerTarget(broker, name) as BrokerTarget) : undefined;
  const current = target
    ? dynamicConfigsOf(broker).get(target.level)
    : broker.topics.store.get(name)!.configs;
  const next = change({ ...current });
  if (isResourceError(next)) return next;
  return target
    ? replaceBrokerConfigs(broker, target.level, next, validateOnly)
    : replaceTopicOverrides(broker, name, next, validateOnly);
}

/** Why `overrides` cannot be a topic's (the engine's reason, INVALID_CONFIG), or undefined. */
function topicOverridesProblem(
  broker: BrokerContext,
  overrides: Record<string, string>,
): ResourceError | undefined {
  try {
    parseLogConfig(overrides, broker.logs.defaults);
    return undefined;
  } catch (err) {
    if (err instanceof InvalidConfigError)
      return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: err.message };
    throw err;
  }
}

/** Why `values` cannot be the dynamic configs at `level`, or undefined. */
function brokerConfigsProblem(
  values: Record<string, string>,
  level: DynamicLevel,
): ResourceError | undefined {
  try {
    DynamicBrokerConfigs.validate(values, level);
    return undefined;
  } catch (err) {
    if (!(err instanceof DynamicConfigError)) throw err;
    const errorCode = err.kind === 'request' ? ErrorCode.INVALID_REQUEST : ErrorCode.INVALID_CONFIG;
    return { errorCode, errorMessage: err.message };
  }
}

/**
 * Single node: makes `overrides` the topic's whole override set, saved in the topic store, then
 * applied to the open logs. The store goes first: if saving fails nothing has changed yet.
 */
function replaceTopicOverrides(
  broker: BrokerContext,
  topic: string,
  overrides: Record<string, string>,
  validateOnly: boolean,
): ResourceError | undefined {
  const problem = topicOverridesProblem(broker, overrides);
  if (problem || validateOnly) return problem;
  broker.topics.store.setConfigs(topic, overrides);
  broker.logs.setTopicConfig(topic, overrides);
  broker.log.info({ topic, configs: overrides }, 'topic configs changed');
  return undefined;
}

/** Single node: makes `values` the dynamic configs at `level`, saved, then applied to every log. */
function replaceBrokerConfigs(
  broker: BrokerContext,
  level: DynamicLevel,
  values: Record<string, string>,
  validateOnly: boolean,
): ResourceError | undefined {
  const problem = brokerConfigsProblem(values, level);
  if (problem || validateOnly) return problem;
  const dynamic = dynamicConfigsOf(broker);
  dynamic.replace(level, values);
  applyDynamicConfigs(broker, dynamic);
  const resource = level === 'broker' ? `broker ${broker.nodeId}` : 'cluster default';
  broker.log.info({ resource, configs: values }, 'dynamic broker configs changed');
  return undefined;
}

/**
 * Cluster mode: the change made to the values ZooKeeper holds, checked as on a single node and
 * written there (version-checked, with a change notification) unless validateOnly. An unknown
 * topic is UNKNOWN_TOPIC_OR_PARTITION; a failure of ZooKeeper is that resource's error.
 */
async function changeInCluster(
  broker: BrokerContext,
  configs: ClusterConfigs,
  resourceType: number,
  name: string,
  change: Change,
  validateOnly: boolean,
): Promise<ResourceError | undefined> {
  const target =
    resourceType === ResourceType.BROKER ? (brokerTarget(broker, name) as BrokerTarget) : undefined;
  const entity: ConfigEntity = target
    ? { kind: 'broker', id: target.level === 'default' ? 'default' : target.id }
    : { kind: 'topic', topic: name };
  let refused: ResourceError | undefined;
  let written: Record<string, string> = {};
  try {
    const outcome = await configs.change(entity, (current) => {
      const next = change({ ...current });
      if (isResourceError(next)) refused = next;
      else if (target) {
        written = DynamicBrokerConfigs.trimmed(next);
        refused = brokerConfigsProblem(withoutForeign(written, current, BROKER_PROPERTY), target.level);
      } else {
        written = next;
        refused = topicOverridesProblem(broker, withoutForeign(next, current, TOPIC_PROPERTY));
      }
      return refused || validateOnly ? null : written;
    });
    if (outcome === 'unknown-topic') return unknownTopicError(name);
  } catch (err) {
    broker.log.warn({ err, resource: entityPath(entity) }, 'config change failed');
    return { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: (err as Error).message };
  }
  if (refused || validateOnly) return refused;
  broker.log.info({ resource: entityPath(entity), configs: written }, 'configs changed in ZooKeeper');
  return undefined;
}

/**
 * `values` without the keys Kiln does not have that were already stored as they are: a Kafka
 * broker or tool sharing the ZooKeeper may have written such keys (a newer Kafka's, say), and a
 * change of other keys must neither be refused for them nor drop them. New ones are still refused.
 */
function withoutForeign(
  values: Readonly<Record<string, string>>,
  stored: Readonly<Record<string, string>>,
  known: ReadonlyMap<string, unknown>,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values).filter(([name, value]) => known.has(name) || stored[name] !== value),
  );
}

/**
 * Runs `each` over `items` in order, one after the other: synchronously while every answer is
 * (a single node), else as a promise of all the answers.
 */
export function inOrder<T, R>(items: readonly T[], each: (item: T) => R | Promise<R>): R[] | Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i++) {
    const answer = each(items[i]!);
    if (answer instanceof Promise) {
      return (async () => {
        out.push(await answer);
        for (const item of items.slice(i + 1)) out.push(await each(item));
        return out;
      })();
    }
    out.push(answer);
  }
  return out;
}

/** Config names given more than once in one resource (Kafka refuses those with INVALID_REQUEST). */
export function duplicateKeysError(names: string[]): ResourceError | undefined {
  const seen = new Set<string>();
  const dupes = new Set<string>();
  for (const name of names) (seen.has(name) ? dupes : seen).add(name);
  if (dupes.size === 0) return undefined;
  return {
    errorCode: ErrorCode.INVALID_REQUEST,
    errorMessage: `Error due to duplicate config keys: ${[...dupes].join(', ')}`,
  };
}
