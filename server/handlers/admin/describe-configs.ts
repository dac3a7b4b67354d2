/**
 * DescribeConfigs: the configs of topics (resource type 2) and of brokers (type 4, named by id).
 * Behaviours that matter:
 * - a topic shows every config Kiln knows with its effective value; the source is 1 where the
 *   topic overrides it, 2 or 3 where a dynamic broker config sets the default, 4 where
 *   server.properties does, 5 otherwise;
 * - synonyms (v1+, when asked for) list the value at each level, most specific first, as Kafka
 *   does; documentation (v3+, when asked for) is the registry's line; configType (v3+) is Kafka's
 *   type id;
 * - configurationKeys (non-null) keeps only the named keys; unknown keys are left out;
 * - an unknown topic is UNKNOWN_TOPIC_OR_PARTITION, an invalid name INVALID_TOPIC_EXCEPTION;
 * - a broker resource (this broker's id) shows every property Kiln uses, read-only unless it can
 *   change at run time; an empty name shows the cluster-wide dynamic defaults that are set;
 * - on a single node another broker id is INVALID_REQUEST. In a cluster the overrides and dynamic
 *   configs shown are read from ZooKeeper (so a change made through any broker shows at once, on
 *   every broker), the topic need not have a replica here, and another broker id shows the dynamic
 *   configs set for that broker.
 */
import type { BrokerContext } from '../../broker-context.js';
import type { ClusterConfigs } from '../../cluster/cluster-configs.js';
import { topicNameProblem } from '../../cluster/topic-store.js';
import type { DynamicBrokerConfigs } from '../../config/dynamic-broker-configs.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { DescribeConfigsApi } from '../../protocol/apis/describe-configs.js';
import type { RequestOf, ResponseOf } from '../../protocol/message-types.js';
import { reply, type Handler } from '../registry.js';
import {
  ResourceType,
  brokerTarget,
  isResourceError,
  unknownTopicError,
  unsupportedResourceError,
  type ResourceError,
} from './config-changes.js';
import {
  brokerConfigEntries,
  clusterDefaultEntries,
  describedEntry,
  otherBrokerEntries,
  topicConfigEntries,
  type ConfigEntry,
} from './config-entries.js';

type Resource = RequestOf<typeof DescribeConfigsApi>['resources'][number];
type DescribedResource = ResponseOf<typeof DescribeConfigsApi>['results'][number];

export function describeConfigsHandler(broker: BrokerContext): Handler<typeof DescribeConfigsApi> {
  return {
    api: DescribeConfigsApi,
    handle(request, version) {
      const includeSynonyms = version >= 1 && request.includeSynonyms;
      const includeDocumentation = version >= 3 && request.includeDocumentation;
      const described = (resource: Resource, found: ConfigEntry[] | ResourceError): DescribedResource => {
        const base = { resourceType: resource.resourceType, resourceName: resource.resourceName };
        if (!Array.isArray(found)) return { ...base, ...found, configs: [] };
        const keys = resource.configurationKeys === null ? null : new Set(resource.configurationKeys);
        const configs = found
          .filter((entry) => keys === null || keys.has(entry.name))
          .map((entry) => describedEntry(entry, includeSynonyms, includeDocumentation));
        return { ...base, errorCode: ErrorCode.NONE, errorMessage: null, configs };
      };
      const answer = (results: DescribedResource[]) =>
        reply(DescribeConfigsApi, { throttleTimeMs: 0, results });
      const configs = broker.clusterConfigs;
      if (!configs) return answer(request.resources.map((r) => described(r, entriesOf(broker, r))));
      return Promise.all(
        request.resources.map(async (r) => described(r, await clusterEntriesOf(broker, configs, r))),
      ).then(answer);
    },
  };
}

function topicNameError(name: string): ResourceError | undefined {
  const problem = topicNameProblem(name);
  return problem ? { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: problem } : undefined;
}

/** Single node: from the topic store and the broker's own dynamic configs. */
function entriesOf(broker: BrokerContext, resource: Resource): ConfigEntry[] | ResourceError {
  const name = resource.resourceName;
  switch (resource.resourceType) {
    case ResourceType.TOPIC: {
      const nameError = topicNameError(name);
      if (nameError) return nameError;
      const topic = broker.topics.store.get(name);
      if (!topic) return unknownTopicError(name);
      return topicConfigEntries(broker, topic.configs);
    }
    case ResourceType.BROKER: {
      const target = brokerTarget(broker, name);
      if (isResourceError(target)) return target;
      return target.level === 'default' ? clusterDefaultEntries(broker) : brokerConfigEntries(broker);
    }
    default:
      return unsupportedResourceError(resource.resourceType);
  }
}

/** Cluster mode: the overrides and dynamic configs as ZooKeeper has them now. */
async function clusterEntriesOf(
  broker: BrokerContext,
  configs: ClusterConfigs,
  resource: Resource,
): Promise<ConfigEntry[] | ResourceError> {
  const name = resource.resourceName;
  const own = (): Promise<DynamicBrokerConfigs> => configs.dynamicConfigsOf(broker.nodeId);
  try {
    switch (resource.resourceType) {
      case ResourceType.TOPIC: {
        const nameError = topicNameError(name);
        if (nameError) return nameError;
        const overrides = await configs.topicConfig(name);
        if (!overrides) return unknownTopicError(name);
        return topicConfigEntries(broker, overrides, await own());
      }
      case ResourceType.BROKER: {
        const target = brokerTarget(broker, name);
        if (isResourceError(target)) return target;
        if (target.level === 'default') return clusterDefaultEntries(broker, await own());
        if (target.id === broker.nodeId) return brokerConfigEntries(broker, await own());
        return otherBrokerEntries(await configs.dynamicConfigsOf(target.id));
      }
      default:
        return unsupportedResourceError(resource.resourceType);
    }
  } catch (err) {
    return { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: (err as Error).message };
  }
}
