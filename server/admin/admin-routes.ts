/**
 * What the admin listener answers: GET /metrics (Prometheus text format), /healthz (the process
 * serves), /readyz (readiness.ts), the JSON API under /api/ (api/admin-api.ts), each in JSON but
 * /metrics; and the dashboard's files (`/` and what it loads, dashboard-files.ts). Anything else
 * is a 404, another method a 405, both in JSON too so scripts can read them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import { API_PREFIX, answerApi, type ApiAnswer } from './api/admin-api.js';
import type { ApiSources } from './api/api-sources.js';
import { serveDashboardFile } from './dashboard-files.js';
import { readiness, type ReadinessSources } from './readiness.js';

export interface AdminRoutes {
  /** Absent: /metrics is a 404. */
  metrics?: Registry;
  readiness: ReadinessSources;
  /** Absent: /api/ is a 404. */
  api?: ApiSources;
  /** Where an error while answering goes (the broker's log). */
  warn: (message: string) => void;
}

function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function handleAdminRequest(routes: AdminRoutes, req: IncomingMessage, res: ServerResponse): void {
  const path = (req.url ?? '/').split('?', 1)[0]!;
  const readable = req.method === 'GET' || req.method === 'HEAD';
  const api = routes.api !== undefined && path.startsWith(API_PREFIX);
  const known =
    api || path === '/healthz' || path === '/readyz' || (path === '/metrics' && routes.metrics !== undefined);
  if (!known) {
    if (readable && serveDashboardFile(path, res)) return;
    return json(res, 404, { error: 'not found', path });
  }
  if (!readable) {
    return json(res, 405, { error: 'method not allowed', method: req.method }, { allow: 'GET, HEAD' });
  }
  if (api) {
    const send = ({ status, body }: ApiAnswer): void =>
      json(res, status, body, { 'cache-control': 'no-store' });
    const answer = answerApi(routes.api!, path);
    if (!(answer instanceof Promise)) return send(answer);
    answer.then(send, (err: unknown) => {
      routes.warn(`admin listener: ${path} failed: ${(err as Error).message}`);
      json(res, 500, { error: 'failed', path });
    });
    return;
  }
  if (path === '/healthz') return json(res, 200, { status: 'ok' });
  if (path === '/readyz') {
    const { ready, reasons } = readiness(routes.readiness);
    return json(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', reasons });
  }
  const registry = routes.metrics!;
  registry.metrics().then(
    (text) => {
      res.writeHead(200, { 'content-type': registry.contentType, 'content-length': Buffer.byteLength(text) });
      res.end(text);
    },
    (err: unknown) => {
      routes.warn(`admin listener: /metrics failed: ${(err as Error).message}`);
      json(res, 500, { error: 'metrics failed' });
    },
  );
}
