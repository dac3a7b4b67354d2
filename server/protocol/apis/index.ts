/**
 * Every API schema Kiln speaks, by key. Handlers (server/handlers) pair with these; the handler
 * registry answers ApiVersions from the versions declared here, so they cannot drift apart.
 */
import type { ApiDef } from '../schema.js';
import { ApiVersionsApi } from './api-versions.js';
import { MetadataApi } from './metadata.js';

export const API_SCHEMAS: readonly ApiDef[] = [ApiVersionsApi, MetadataApi];

const byKey = new Map<number, ApiDef>(API_SCHEMAS.map((api) => [api.key, api]));

export function apiSchema(key: number): ApiDef | undefined {
  return byKey.get(key);
}
