/** ApiVersions: the registry's own list of APIs and version ranges. */
import { ApiVersionsApi } from '../protocol/apis/api-versions.js';
import { ErrorCode } from '../protocol/error-codes.js';
import type { Handler, HandlerRegistry } from './registry.js';

export function apiVersionsHandler(registry: HandlerRegistry): Handler<typeof ApiVersionsApi> {
  return {
    api: ApiVersionsApi,
    handle: () => ({ errorCode: ErrorCode.NONE, apiKeys: registry.apiVersions(), throttleTimeMs: 0 }),
  };
}
