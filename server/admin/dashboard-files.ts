/**
 * The dashboard's static files (server/admin/dashboard/), served by the admin listener: `/` and
 * `/index.html` are its page, `/<name>` each of its other files (style.css and the browser modules).
 *
 * The files ship in the package as they are (no build step): the broker runs compiled from dist/,
 * the tests from the sources, so the directory is found from the package root (config/kiln-version.ts), never relative to the compiled file.
 *
 * Only a name listed in the dashboard directory with a served extension is answered (one path
 * segment, letters, digits and dashes): no path is ever joined from the request, so `..`, encoded
 * slashes and anything outside the directory are a 404 from the caller. Every answer carries
 * `cache-control: no-cache` (the browser revalidates, so a new version shows on the next load);
 * HEAD gets the headers without a body.
 */
import fs from 'node:fs';
import type { ServerResponse } from 'node:http';
import path from 'node:path';
import { kilnPackageRoot } from '../config/kiln-version.js';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

const SERVED_NAME = /^[a-z0-9][a-z0-9-]*\.(html|css|js|svg)$/;

export const DASHBOARD_DIR = path.join(kilnPackageRoot(), 'server', 'admin', 'dashboard');

/** The names of `dir` that may be served, read once per directory. */
const listings = new Map<string, ReadonlySet<string>>();

function servedNames(dir: string): ReadonlySet<string> {
  let names = listings.get(dir);
  if (!names) {
    const entries = fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }) : [];
    names = new Set(entries.filter((e) => e.isFile() && SERVED_NAME.test(e.name)).map((e) => e.name));
    listings.set(dir, names);
  }
  return names;
}

/** The file name `path` asks for, or undefined when it names none of the dashboard's files. */
export function dashboardFileName(urlPath: string, dir: string = DASHBOARD_DIR): string | undefined {
  const name = urlPath === '/' ? 'index.html' : urlPath.slice(1);
  return urlPath.startsWith('/') && servedNames(dir).has(name) ? name : undefined;
}

/**
 * Answers `urlPath` (without its query string) if it is one of the dashboard's files; false when
 * it is not, and the caller answers 404. `head`: headers only.
 */
export function serveDashboardFile(
  urlPath: string,
  res: ServerResponse,
  dir: string = DASHBOARD_DIR,
  head = res.req?.method === 'HEAD',
): boolean {
  const name = dashboardFileName(urlPath, dir);
  if (name === undefined) return false;
  fs.readFile(path.join(dir, name), (err, body) => {
    if (err) {
      const text = JSON.stringify({ error: 'dashboard file unreadable', path: urlPath });
      res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
      res.end(text);
      return;
    }
    res.writeHead(200, {
      'content-type': CONTENT_TYPES[path.extname(name)]!,
      'content-length': body.length,
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
    });
    res.end(head ? undefined : body);
  });
  return true;
}
