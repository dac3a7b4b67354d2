/**
 * IncrementalAlterConfigs: changes single config keys of topics, each with its own operation,
 * leaving the topic's other overrides alone. Behaviours that matter:
 * - SET (0) overrides a key, DELETE (1) removes the override (back to the broker default),
 *   APPEND (2) and SUBTRACT (3) add or remove items of a list config (cleanup.policy), starting
 *   from its effective value; on any other config they are INVALID_REQUEST, as in Kafka;
 * - the resulting set is checked by the engine: a bad value fails the resource with INVALID_CONFIG
 *   and the engine's reason, an unknown key too; nothing of a failed resource changes;
 * - a key given twice, a null value for SET/APPEND/SUBTRACT or an unknown operation is
 *   INVALID_REQUEST;
 * - changes are saved in the topic store and applied to the open logs; validateOnly changes nothing;
 * - broker resources are INVALID_REQUEST: Kiln has no dynamic broker configs.
 */
import { InvalidConfigError, LOG_PROPERTIES, logConfigToProperties } from '../../../engine/index.js';
import type { BrokerContext } from '../../broker-context.js';
import type { Message } from '../../protocol/codec.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { IncrementalAlterConfigsApi } from '../../protocol/apis/incremental-alter-configs.js';
import type { Handler } from '../registry.js';
import {
  LIST_CONFIGS,
  alterableTopic,
  duplicateKeysError,
  replaceTopicOverrides,
  type ResourceError,
} from './config-entries.js';

export const ConfigOperation = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const;

interface AlterableConfig {
  name: string;
  configOperation: number;
  value: string | null;
}

interface AlterResource {
  resourceType: number;
  resourceName: string;
  configs: AlterableConfig[];
}

export function incrementalAlterConfigsHandler(broker: BrokerContext): Handler {
  return {
    api: IncrementalAlterConfigsApi,
    handle(request) {
      const validateOnly = Boolean(request.validateOnly);
      const responses = (request.resources as AlterResource[]).map((resource): Message => {
        const error =
          alterableTopic(broker, resource.resourceType, resource.resourceName) ??
          duplicateKeysError(resource.configs.map((c) => c.name)) ??
          alterTopic(broker, resource, validateOnly);
        return {
          errorCode: error?.errorCode ?? ErrorCode.NONE,
          errorMessage: error?.errorMessage ?? null,
          resourceType: resource.resourceType,
          resourceName: resource.resourceName,
        };
      });
      return { throttleTimeMs: 0, responses };
    },
  };
}

function alterTopic(
  broker: BrokerContext,
  resource: AlterResource,
  validateOnly: boolean,
): ResourceError | undefined {
  const topic = broker.topics.store.get(resource.resourceName)!;
  const overrides = { ...topic.configs };
  const effective = { ...logConfigToProperties(broker.logs.defaults), ...overrides };
  for (const config of resource.configs) {
    const error = applyOperation(overrides, effective, config);
    if (error) return error;
  }
  return replaceTopicOverrides(broker, topic.name, overrides, validateOnly);
}

function invalidRequest(errorMessage: string): ResourceError {
  return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage };
}

function applyOperation(
  overrides: Record<string, string>,
  effective: Record<string, string>,
  { name, configOperation, value }: AlterableConfig,
): ResourceError | undefined {
  if (!(name in LOG_PROPERTIES)) {
    const error = new InvalidConfigError(name, 'unknown topic configuration');
    return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: error.message };
  }
  if (configOperation === ConfigOperation.DELETE) {
    delete overrides[name];
    return undefined;
  }
  if (!Object.values(ConfigOperation).includes(configOperation as 0))
    return invalidRequest(`Unknown config operation ${configOperation} for config key: ${name}`);
  if (value === null) return invalidRequest(`Null value not supported for: ${name}`);
  if (configOperation === ConfigOperation.SET) {
    overrides[name] = value;
    return undefined;
  }
  const verb = configOperation === ConfigOperation.APPEND ? 'append' : 'subtract';
  if (!LIST_CONFIGS.has(name))
    return invalidRequest(`Config value ${verb} is not allowed for config key: ${name}`);
  const current = listItems(effective[name] ?? '');
  const items = listItems(value);
  const next =
    verb === 'append'
      ? [...new Set([...current, ...items])]
      : current.filter((item) => !items.includes(item));
  overrides[name] = next.join(',');
  return undefined;
}

function listItems(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}
