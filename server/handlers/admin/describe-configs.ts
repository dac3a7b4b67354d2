/**
 * DescribeConfigs: the configs of topics (resource type 2) and of this broker (type 4, named by
 * its id). Behaviours that matter:
 * - a topic shows every config Kiln knows with its effective value; the source is 1 where the
 *   topic overrides it, 2 or 3 where a dynamic broker config sets the default, 4 where
 *   server.properties does, 5 otherwise;
 * - synonyms (v1+, when asked for) list the value at each level, most specific first, as Kafka
 *   does; documentation (v3+, when asked for) is the registry's line; configType (v3+) is Kafka's
 *   type id;
 * - configurationKeys (non-null) keeps only the named keys; unknown keys are left out;
 * - an unknown topic is UNKNOWN_TOPIC_OR_PARTITION, an invalid name INVALID_TOPIC_EXCEPTION;
 * - a broker resource (its id) shows every property Kiln uses, read-only unless it can change at
 *   run time; an empty name shows the cluster-wide dynamic defaults that are set; another broker
 *   id is INVALID_REQUEST.
 */
import type { BrokerContext } from '../../broker-context.js';
import { topicNameProblem } from '../../cluster/topic-store.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { DescribeConfigsApi } from '../../protocol/apis/describe-configs.js';
import type { RequestOf, ResponseOf } from '../../protocol/message-types.js';
import { reply, type Handler } from '../registry.js';
import {
  ResourceType,
  brokerLevel,
  unknownTopicError,
  unsupportedResourceError,
  type ResourceError,
} from './config-changes.js';
import {
  brokerConfigEntries,
  clusterDefaultEntries,
  describedEntry,
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
      const results = request.resources.map((resource): DescribedResource => {
        const found = entriesOf(broker, resource);
        const base = { resourceType: resource.resourceType, resourceName: resource.resourceName };
        if (!Array.isArray(found)) return { ...base, ...found, configs: [] };
        const keys = resource.configurationKeys === null ? null : new Set(resource.configurationKeys);
        const configs = found
          .filter((entry) => keys === null || keys.has(entry.name))
          .map((entry) => describedEntry(entry, includeSynonyms, includeDocumentation));
        return { ...base, errorCode: ErrorCode.NONE, errorMessage: null, configs };
      });
      return reply(DescribeConfigsApi, { throttleTimeMs: 0, results });
    },
  };
}

function entriesOf(broker: BrokerContext, resource: Resource): ConfigEntry[] | ResourceError {
  const name = resource.resourceName;
  switch (resource.resourceType) {
    case ResourceType.TOPIC: {
      const problem = topicNameProblem(name);
      if (problem) return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: problem };
      const topic = broker.topics.store.get(name);
      if (!topic) return unknownTopicError(name);
      return topicConfigEntries(broker, topic.configs);
    }
    case ResourceType.BROKER: {
      const level = brokerLevel(broker, name);
      if (typeof level !== 'string') return level;
      return level === 'default' ? clusterDefaultEntries(broker) : brokerConfigEntries(broker);
    }
    default:
      return unsupportedResourceError(resource.resourceType);
  }
}
