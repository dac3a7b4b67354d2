/**
 * AlterConfigs: replaces the whole set of values of each resource named: a topic's overrides, or
 * the dynamic configs of this broker (its id) or of the cluster-wide default (""). Keys not listed
 * go back to their defaults (IncrementalAlterConfigs changes single keys). Behaviours that matter:
 * - values are checked against the registry; a bad one fails that resource with INVALID_CONFIG
 *   and the reason, and nothing of that resource changes;
 * - a null value means "no override" (Kafka drops such entries); a key given twice is
 *   INVALID_REQUEST;
 * - changes are saved (topic store, dynamic config file) and applied to the open logs at once;
 * - validateOnly checks and changes nothing;
 * - a broker property that cannot change at run time refuses its resource with INVALID_REQUEST,
 *   as does another broker's id.
 */
import type { BrokerContext } from '../../broker-context.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { AlterConfigsApi } from '../../protocol/apis/alter-configs.js';
import type { RequestOf, ResponseOf } from '../../protocol/message-types.js';
import { reply, type Handler } from '../registry.js';
import { alterableResource, duplicateKeysError, replaceValues } from './config-changes.js';

type AlterResource = RequestOf<typeof AlterConfigsApi>['resources'][number];
type AlteredResource = ResponseOf<typeof AlterConfigsApi>['responses'][number];

export function alterConfigsHandler(broker: BrokerContext): Handler<typeof AlterConfigsApi> {
  return {
    api: AlterConfigsApi,
    handle(request) {
      const validateOnly = request.validateOnly;
      const responses = request.resources.map((resource): AlteredResource => {
        const error =
          alterableResource(broker, resource.resourceType, resource.resourceName) ??
          duplicateKeysError(resource.configs.map((c) => c.name)) ??
          replaceValues(
            broker,
            resource.resourceType,
            resource.resourceName,
            valuesOf(resource),
            validateOnly,
          );
        return {
          errorCode: error?.errorCode ?? ErrorCode.NONE,
          errorMessage: error?.errorMessage ?? null,
          resourceType: resource.resourceType,
          resourceName: resource.resourceName,
        };
      });
      return reply(AlterConfigsApi, { throttleTimeMs: 0, responses });
    },
  };
}

function valuesOf(resource: AlterResource): Record<string, string> {
  const overrides: Record<string, string> = {};
  for (const { name, value } of resource.configs) if (value !== null) overrides[name] = value;
  return overrides;
}
