/**
 * What AlterConfigs and IncrementalAlterConfigs share: which resource a request may change, and
 * making a new set of values take effect.
 * - a topic: its overrides, validated by the engine (INVALID_CONFIG with its reason), saved in the
 *   topic store (so they survive a restart), then applied to the open logs;
 * - a broker (resource name = this broker's id, or "" for the cluster-wide default): its dynamic
 *   configs. Only properties that can change at run time are accepted; any other refuses the
 *   whole resource with INVALID_REQUEST, as Kafka does. They are saved in the data directory, then
 *   every log without its own override takes the new defaults at once.
 */
import { InvalidConfigError, parseLogConfig } from '../../../engine/index.js';
import type { BrokerContext } from '../../broker-context.js';
import { topicNameProblem } from '../../cluster/topic-store.js';
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

/** Puts the dynamic configs in effect: topic defaults on every open log, partition limits. */
export function applyDynamicConfigs(broker: BrokerContext, dynamic: DynamicBrokerConfigs): void {
  broker.logs.setDefaults(dynamic.logDefaults(broker.config.logDefaults));
  broker.topics.setLimits({
    maxPartitionsPerTopic: dynamic.intValue(
      'kiln.max.partitions.per.topic',
      broker.config.maxPartitionsPerTopic,
    ),
    maxPartitions: dynamic.intValue('kiln.max.partitions', broker.config.maxPartitions),
  });
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

/** The level a broker resource name stands for, or why it is not this broker's. */
export function brokerLevel(broker: BrokerContext, name: string): DynamicLevel | ResourceError {
  if (name === '') return 'default';
  if (name === String(broker.nodeId)) return 'broker';
  return {
    errorCode: ErrorCode.INVALID_REQUEST,
    errorMessage: `Unexpected broker id, expected ${broker.nodeId} or empty string, but received ${name}`,
  };
}

/** Why the resource an Alter request names cannot be altered, or undefined when it can. */
export function alterableResource(
  broker: BrokerContext,
  resourceType: number,
  name: string,
): ResourceError | undefined {
  if (resourceType === ResourceType.BROKER) {
    const level = brokerLevel(broker, name);
    return typeof level === 'string' ? undefined : level;
  }
  if (resourceType !== ResourceType.TOPIC) return unsupportedResourceError(resourceType);
  const problem = topicNameProblem(name);
  if (problem) return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: problem };
  if (broker.metadata) {
    // A topic's configs in a cluster live in ZooKeeper (/config/topics) and reach every replica
    // through /config/changes; until that path exists, a change made here alone would diverge.
    return {
      errorCode: ErrorCode.INVALID_REQUEST,
      errorMessage: 'changing topic configs is not supported in cluster mode yet',
    };
  }
  const topic = broker.topics.store.get(name);
  if (!topic) return unknownTopicError(name);
  // The broker's own topics keep the configs it relies on: __consumer_offsets made `delete` or
  // given a short retention would lose committed offsets.
  if (topic.internal)
    return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `${name} is an internal topic` };
  return undefined;
}

/** The values a resource has now: a topic's overrides or a broker level's dynamic configs. */
export function currentValues(
  broker: BrokerContext,
  resourceType: number,
  name: string,
): Record<string, string> {
  if (resourceType === ResourceType.BROKER)
    return { ...dynamicConfigsOf(broker).get(brokerLevel(broker, name) as DynamicLevel) };
  return { ...broker.topics.store.get(name)!.configs };
}

/** Makes `values` the resource's whole set (checked first; validateOnly changes nothing). */
export function replaceValues(
  broker: BrokerContext,
  resourceType: number,
  name: string,
  values: Record<string, string>,
  validateOnly: boolean,
): ResourceError | undefined {
  return resourceType === ResourceType.BROKER
    ? replaceBrokerConfigs(broker, brokerLevel(broker, name) as DynamicLevel, values, validateOnly)
    : replaceTopicOverrides(broker, name, values, validateOnly);
}

/**
 * Makes `overrides` the topic's whole override set: validated by the engine, then saved in the
 * topic store and applied to the open logs. The store goes first: if saving fails nothing has
 * changed yet.
 */
function replaceTopicOverrides(
  broker: BrokerContext,
  topic: string,
  overrides: Record<string, string>,
  validateOnly: boolean,
): ResourceError | undefined {
  try {
    parseLogConfig(overrides, broker.logs.defaults);
  } catch (err) {
    if (err instanceof InvalidConfigError)
      return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: err.message };
    throw err;
  }
  if (validateOnly) return undefined;
  broker.topics.store.setConfigs(topic, overrides);
  broker.logs.setTopicConfig(topic, overrides);
  broker.log.info({ topic, configs: overrides }, 'topic configs changed');
  return undefined;
}

/** Makes `values` the dynamic configs at `level`: saved, then applied to every log at once. */
function replaceBrokerConfigs(
  broker: BrokerContext,
  level: DynamicLevel,
  values: Record<string, string>,
  validateOnly: boolean,
): ResourceError | undefined {
  const dynamic = dynamicConfigsOf(broker);
  try {
    if (validateOnly) DynamicBrokerConfigs.validate(values, level);
    else dynamic.replace(level, values);
  } catch (err) {
    if (!(err instanceof DynamicConfigError)) throw err;
    const errorCode = err.kind === 'request' ? ErrorCode.INVALID_REQUEST : ErrorCode.INVALID_CONFIG;
    return { errorCode, errorMessage: err.message };
  }
  if (validateOnly) return undefined;
  applyDynamicConfigs(broker, dynamic);
  const resource = level === 'broker' ? `broker ${broker.nodeId}` : 'cluster default';
  broker.log.info({ resource, configs: values }, 'dynamic broker configs changed');
  return undefined;
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
