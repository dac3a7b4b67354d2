/** ApiVersions: the registry's own list of APIs and version ranges. */
import { ApiVersionsApi } from '../protocol/apis/api-versions.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { reply, type Handler, type HandlerRegistry } from './registry.js';

export function apiVersionsHandler(registry: HandlerRegistry): Handler<typeof ApiVersionsApi> {
  return {
    api: ApiVersionsApi,
    handle: () =>
      reply(ApiVersionsApi, {
        errorCode: ErrorCode.NONE,
        apiKeys: registry.apiVersions(),
        throttleTimeMs: 0,
      }),
  };
}
