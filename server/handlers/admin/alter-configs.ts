/**
 * AlterConfigs: replaces the whole set of values of each resource named: a topic's overrides, or
 * the dynamic configs of a broker (its id) or of the cluster-wide default (""). Keys not listed
 * go back to their defaults (IncrementalAlterConfigs changes single keys). Behaviours that matter:
 * - values are checked against the registry; a bad one fails that resource with INVALID_CONFIG
 *   and the reason, and nothing of that resource changes;
 * - a null value means "no override" (Kafka drops such entries); a key given twice is
 *   INVALID_REQUEST;
 * - a single node saves changes (topic store, dynamic config file) and applies them to the open
 *   logs at once; in a cluster they are written to ZooKeeper and every broker applies them
 *   (config-changes.ts says how); resources are handled in order;
 * - validateOnly checks and changes nothing;
 * - a broker property that cannot change at run time refuses its resource with INVALID_REQUEST,
 *   as does another broker's id on a single node.
 */
import type { BrokerContext } from '../../broker-context.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { AlterConfigsApi } from '../../protocol/apis/alter-configs.js';
import type { RequestOf, ResponseOf } from '../../protocol/message-types.js';
import { reply, type Handler } from '../registry.js';
import {
  alterableResource,
  changeValues,
  duplicateKeysError,
  inOrder,
  type ResourceError,
  warnDeprecated,
} from './config-changes.js';

type AlterResource = RequestOf<typeof AlterConfigsApi>['resources'][number];
type AlteredResource = ResponseOf<typeof AlterConfigsApi>['responses'][number];

export function alterConfigsHandler(broker: BrokerContext): Handler<typeof AlterConfigsApi> {
  return {
    api: AlterConfigsApi,
    handle(request) {
      const validateOnly = request.validateOnly;
      const answer = (errors: (ResourceError | undefined)[]) =>
        reply(AlterConfigsApi, {
          throttleTimeMs: 0,
          responses: request.resources.map((resource, i): AlteredResource => ({
            errorCode: errors[i]?.errorCode ?? ErrorCode.NONE,
            errorMessage: errors[i]?.errorMessage ?? null,
            resourceType: resource.resourceType,
            resourceName: resource.resourceName,
          })),
        });
      for (const resource of request.resources) {
        const set = resource.configs.filter((c) => c.value !== null).map((c) => c.name);
        warnDeprecated(broker, resource.resourceName, set);
      }
      const errors = inOrder(
        request.resources,
        (resource) =>
          alterableResource(broker, resource.resourceType, resource.resourceName) ??
          duplicateKeysError(resource.configs.map((c) => c.name)) ??
          changeValues(
            broker,
            resource.resourceType,
            resource.resourceName,
            () => valuesOf(resource),
            validateOnly,
          ),
      );
      return errors instanceof Promise ? errors.then(answer) : answer(errors);
    },
  };
}

function valuesOf(resource: AlterResource): Record<string, string> {
  const overrides: Record<string, string> = {};
  for (const { name, value } of resource.configs) if (value !== null) overrides[name] = value;
  return overrides;
}
