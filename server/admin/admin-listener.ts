/**
 * The HTTP admin listener (kiln.admin.listener): plain node:http, no framework, serving the routes
 * of admin-routes.ts. Started by the broker once its Kafka listener is open and stopped with it; a
 * stop closes idle keep-alive connections too (a Prometheus scraper keeps one open), so it never
 * holds the broker's stop up.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { errnoCode } from '../config/data-dirs.js';
import { handleAdminRequest, type AdminRoutes } from './admin-routes.js';

export const ADMIN_LISTENER_PROPERTY = 'kiln.admin.listener';

export class AdminListener {
  private readonly server: http.Server;

  private constructor(routes: AdminRoutes) {
    this.server = http.createServer((req, res) => {
      try {
        handleAdminRequest(routes, req, res);
      } catch (err) {
        routes.warn(`admin listener: ${(err as Error).message}`);
        if (!res.headersSent) res.writeHead(500);
        res.end();
      }
    });
  }

  /** Listens on host:port; a port in use (or any bind failure) is an error naming the property. */
  static async start(host: string, port: number, routes: AdminRoutes): Promise<AdminListener> {
    const listener = new AdminListener(routes);
    const server = listener.server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port }, () => {
        server.off('error', reject);
        server.on('error', (err) => routes.warn(`admin listener error: ${err.message}`));
        resolve();
      });
    }).catch((err: unknown) => {
      const code = errnoCode(err);
      const reason =
        code === 'EADDRINUSE'
          ? 'the port is already in use by another process (EADDRINUSE)'
          : code === 'EACCES'
            ? 'permission denied (ports below 1024 need privileges) (EACCES)'
            : (err as Error).message;
      const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
      throw new Error(`${ADMIN_LISTENER_PROPERTY}: cannot listen on ${where}: ${reason}`, { cause: err });
    });
    return listener;
  }

  /** The port bound (the real one when configured as 0). */
  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }
}
