/**
 * IncrementalAlterConfigs: changes single config keys of topics, of a broker (resource name =
 * its id) or of the cluster-wide broker default (""), each with its own operation, leaving the
 * resource's other values alone. Behaviours that matter:
 * - SET (0) sets a key, DELETE (1) removes it (back to the next level: broker default, server
 *   properties, built-in), APPEND (2) and SUBTRACT (3) add or remove items of a list config
 *   (cleanup.policy, log.cleanup.policy), starting from its effective value; on any other config
 *   they are INVALID_REQUEST, as in Kafka;
 * - the resulting set is checked against the registry: a bad value or an unknown key fails the
 *   resource with INVALID_CONFIG and the reason; a broker property that cannot change at run time
 *   with INVALID_REQUEST; nothing of a failed resource changes;
 * - a key given twice, a null value for SET/APPEND/SUBTRACT or an unknown operation is
 *   INVALID_REQUEST;
 * - changes are saved and applied to the open logs at once on a single node; in a cluster the
 *   operations are applied to the values ZooKeeper holds and written back version-checked (done
 *   again on the newer values if another writer got there first), and every broker applies them
 *   (config-changes.ts); validateOnly changes nothing.
 */
import {
  InvalidConfigError,
  TOPIC_PROPERTY,
  listItems,
  logConfigToProperties,
} from '../../../engine/index.js';
import type { BrokerContext } from '../../broker-context.js';
import { BROKER_PROPERTY } from '../../config/broker-properties.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { IncrementalAlterConfigsApi } from '../../protocol/apis/incremental-alter-configs.js';
import type { RequestOf, ResponseOf } from '../../protocol/message-types.js';
import { reply, type Handler } from '../registry.js';
import {
  alterableResource,
  changeValues,
  duplicateKeysError,
  inOrder,
  ResourceType,
  type ResourceError,
  warnDeprecated,
} from './config-changes.js';

export const ConfigOperation = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const;
const OPERATIONS: ReadonlySet<number> = new Set(Object.values(ConfigOperation));

type AlterResource = RequestOf<typeof IncrementalAlterConfigsApi>['resources'][number];
type AlterableConfig = AlterResource['configs'][number];
type AlteredResource = ResponseOf<typeof IncrementalAlterConfigsApi>['responses'][number];

export function incrementalAlterConfigsHandler(
  broker: BrokerContext,
): Handler<typeof IncrementalAlterConfigsApi> {
  return {
    api: IncrementalAlterConfigsApi,
    handle(request) {
      const validateOnly = request.validateOnly;
      const answer = (errors: (ResourceError | undefined)[]) =>
        reply(IncrementalAlterConfigsApi, {
          throttleTimeMs: 0,
          responses: request.resources.map((resource, i): AlteredResource => ({
            errorCode: errors[i]?.errorCode ?? ErrorCode.NONE,
            errorMessage: errors[i]?.errorMessage ?? null,
            resourceType: resource.resourceType,
            resourceName: resource.resourceName,
          })),
        });
      for (const resource of request.resources) {
        const set = resource.configs.filter((c) => c.configOperation !== ConfigOperation.DELETE);
        warnDeprecated(
          broker,
          resource.resourceName,
          set.map((c) => c.name),
        );
      }
      const errors = inOrder(
        request.resources,
        (resource) =>
          alterableResource(broker, resource.resourceType, resource.resourceName) ??
          duplicateKeysError(resource.configs.map((c) => c.name)) ??
          alter(broker, resource, validateOnly),
      );
      return errors instanceof Promise ? errors.then(answer) : answer(errors);
    },
  };
}

function alter(
  broker: BrokerContext,
  resource: AlterResource,
  validateOnly: boolean,
): ResourceError | undefined | Promise<ResourceError | undefined> {
  const { resourceType, resourceName } = resource;
  const isBroker = resourceType === ResourceType.BROKER;
  const apply = (current: Readonly<Record<string, string>>): Record<string, string> | ResourceError => {
    const values = { ...current };
    for (const config of resource.configs) {
      const error = applyOperation(broker, isBroker, values, config);
      if (error) return error;
    }
    return values;
  };
  return changeValues(broker, resourceType, resourceName, apply, validateOnly);
}

function invalidRequest(errorMessage: string): ResourceError {
  return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage };
}

function applyOperation(
  broker: BrokerContext,
  isBroker: boolean,
  values: Record<string, string>,
  { name, configOperation, value }: AlterableConfig,
): ResourceError | undefined {
  const known = isBroker ? BROKER_PROPERTY.get(name) : TOPIC_PROPERTY.get(name);
  if (!known && configOperation === ConfigOperation.DELETE && name in values) {
    // A key Kiln does not have but something wrote (Kafka's tools, into ZooKeeper): it may go.
    delete values[name];
    return undefined;
  }
  if (!known) {
    const error = new InvalidConfigError(name, `unknown ${isBroker ? 'broker' : 'topic'} configuration`);
    return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: error.message };
  }
  if (configOperation === ConfigOperation.DELETE) {
    delete values[name];
    return undefined;
  }
  if (!OPERATIONS.has(configOperation))
    return invalidRequest(`Unknown config operation ${configOperation} for config key: ${name}`);
  if (value === null) return invalidRequest(`Null value not supported for: ${name}`);
  if (configOperation === ConfigOperation.SET) {
    values[name] = value;
    return undefined;
  }
  const verb = configOperation === ConfigOperation.APPEND ? 'append' : 'subtract';
  if (known.type !== 'list')
    return invalidRequest(`Config value ${verb} is not allowed for config key: ${name}`);
  const current = listItems(values[name] ?? effectiveValue(broker, isBroker, name));
  const items = listItems(value);
  const next =
    verb === 'append'
      ? [...new Set([...current, ...items])]
      : current.filter((item) => !items.includes(item));
  values[name] = next.join(',');
  return undefined;
}

/** The value in effect for `name` when the resource does not set it. */
function effectiveValue(broker: BrokerContext, isBroker: boolean, name: string): string {
  const topic = isBroker ? BROKER_PROPERTY.get(name)?.topic : name;
  return topic ? (logConfigToProperties(broker.logs.defaults)[topic] ?? '') : '';
}
