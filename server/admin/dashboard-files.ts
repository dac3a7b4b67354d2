/**
 * The dashboard's static files (server/admin/dashboard/), served by the admin listener at `/`.
 * Placeholder until the dashboard lands: serves nothing.
 */
import type { ServerResponse } from 'node:http';

/** Answers `path` if it is one of the dashboard's files (`/` is its page); false when it is not. */
export function serveDashboardFile(path: string, res: ServerResponse): boolean {
  void path;
  void res;
  return false;
}
