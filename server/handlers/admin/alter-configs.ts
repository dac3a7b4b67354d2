/**
 * AlterConfigs: replaces the whole override set of each topic named: keys not listed go back to
 * their defaults (IncrementalAlterConfigs changes single keys). Behaviours that matter:
 * - values are checked by the engine; a bad one fails that resource with INVALID_CONFIG and the
 *   engine's reason, and nothing of that resource changes;
 * - a null value means "no override" (Kafka drops such entries); a key given twice is
 *   INVALID_REQUEST;
 * - changes are saved in the topic store and applied to the open logs at once;
 * - validateOnly checks and changes nothing;
 * - broker resources are INVALID_REQUEST: Kiln has no dynamic broker configs.
 */
import type { BrokerContext } from '../../broker-context.js';
import type { Message } from '../../protocol/codec.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { AlterConfigsApi } from '../../protocol/apis/alter-configs.js';
import type { Handler } from '../registry.js';
import { alterableTopic, duplicateKeysError, replaceTopicOverrides } from './config-entries.js';

interface AlterResource {
  resourceType: number;
  resourceName: string;
  configs: { name: string; value: string | null }[];
}

export function alterConfigsHandler(broker: BrokerContext): Handler {
  return {
    api: AlterConfigsApi,
    handle(request) {
      const validateOnly = Boolean(request.validateOnly);
      const responses = (request.resources as AlterResource[]).map((resource): Message => {
        const error =
          alterableTopic(broker, resource.resourceType, resource.resourceName) ??
          duplicateKeysError(resource.configs.map((c) => c.name)) ??
          replaceTopicOverrides(broker, resource.resourceName, overridesOf(resource), validateOnly);
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

function overridesOf(resource: AlterResource): Record<string, string> {
  const overrides: Record<string, string> = {};
  for (const { name, value } of resource.configs) if (value !== null) overrides[name] = value;
  return overrides;
}
