/**
 * What the admin listener answers: GET /metrics (Prometheus text format), /healthz (the process
 * serves) and /readyz (readiness.ts), each in JSON but /metrics. Anything else is a 404, another
 * method a 405, both in JSON too so scripts can read them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import { readiness, type ReadinessSources } from './readiness.js';

export interface AdminRoutes {
  /** Absent: /metrics is a 404. */
  metrics?: Registry;
  readiness: ReadinessSources;
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
  const known =
    path === '/healthz' || path === '/readyz' || (path === '/metrics' && routes.metrics !== undefined);
  if (!known) return json(res, 404, { error: 'not found', path });
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return json(res, 405, { error: 'method not allowed', method: req.method }, { allow: 'GET, HEAD' });
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
