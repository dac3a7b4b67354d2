import fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DASHBOARD_DIR,
  dashboardFileName,
  serveDashboardFile,
} from '../../../server/admin/dashboard-files.js';
import { kilnPackageRoot } from '../../../server/config/kiln-version.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';

/** The dashboard's static files, served by a bare HTTP server the way the admin routes call them. */
describe('dashboard files', () => {
  let server: Server;
  let base: string;
  let dir: string;

  beforeAll(async () => {
    // A dashboard directory of our own, with a file next to it that must stay out of reach.
    const root = makeTempDir('kiln-dashboard-');
    dir = path.join(root, 'dashboard');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>k</title>');
    fs.writeFileSync(path.join(dir, 'style.css'), 'body{}');
    fs.writeFileSync(path.join(dir, 'app.js'), 'export {};');
    fs.writeFileSync(path.join(dir, 'icon.svg'), '<svg/>');
    fs.writeFileSync(path.join(dir, 'tsconfig.json'), '{}');
    fs.writeFileSync(path.join(dir, '.hidden.js'), 'secret');
    fs.writeFileSync(path.join(root, 'secret.js'), 'secret');
    server = createServer((req, res) => {
      const urlPath = (req.url ?? '/').split('?', 1)[0]!;
      if (!serveDashboardFile(urlPath, res, dir)) {
        res.writeHead(404, { 'x-passthrough': 'yes' });
        res.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    removeTempDir(path.dirname(dir));
  });

  it('serves / as index.html and each file with its content type, never cached unchecked', async () => {
    for (const [urlPath, type, body] of [
      ['/', 'text/html; charset=utf-8', '<!doctype html><title>k</title>'],
      ['/index.html', 'text/html; charset=utf-8', '<!doctype html><title>k</title>'],
      ['/style.css', 'text/css; charset=utf-8', 'body{}'],
      ['/app.js', 'text/javascript; charset=utf-8', 'export {};'],
      ['/icon.svg', 'image/svg+xml', '<svg/>'],
    ] as const) {
      const res = await fetch(`${base}${urlPath}`);
      expect(res.status, urlPath).toBe(200);
      expect(res.headers.get('content-type'), urlPath).toBe(type);
      expect(res.headers.get('cache-control'), urlPath).toBe('no-cache');
      expect(res.headers.get('content-length'), urlPath).toBe(String(Buffer.byteLength(body)));
      expect(await res.text(), urlPath).toBe(body);
    }
  });

  it('answers HEAD with the headers and no body', async () => {
    const res = await fetch(`${base}/app.js`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(res.headers.get('content-length')).toBe('10');
    expect(await res.text()).toBe('');
  });

  it('passes anything else through (false): unknown names, other extensions, hidden files', async () => {
    for (const urlPath of ['/missing.js', '/tsconfig.json', '/.hidden.js', '/index.html/', '/INDEX.HTML']) {
      const res = await fetch(`${base}${urlPath}`);
      expect(res.status, urlPath).toBe(404);
      expect(res.headers.get('x-passthrough'), urlPath).toBe('yes');
    }
  });

  it('refuses traversal however it is spelled', () => {
    for (const urlPath of [
      '/../secret.js',
      '/..%2fsecret.js',
      '/%2e%2e/secret.js',
      '/dashboard/../secret.js',
      '//etc/passwd',
      '/./app.js',
      'app.js',
      '/app.js\0',
      '/..\\secret.js',
    ]) {
      expect(dashboardFileName(urlPath, dir), urlPath).toBeUndefined();
    }
  });

  it('finds the shipped dashboard from the package root, whether run from the sources or dist/', () => {
    const root = kilnPackageRoot();
    expect(fs.existsSync(path.join(root, 'package.json'))).toBe(true);
    expect(DASHBOARD_DIR).toBe(path.join(root, 'server', 'admin', 'dashboard'));
    expect(kilnPackageRoot(path.join(root, 'dist', 'server', 'admin'))).toBe(root);
    for (const name of ['index.html', 'style.css', 'app.js']) {
      expect(dashboardFileName(name === 'index.html' ? '/' : `/${name}`), name).toBe(name);
    }
    // Every module the page imports is served: the list is the directory's, so none can be left out.
    for (const file of fs.readdirSync(DASHBOARD_DIR).filter((f) => f.endsWith('.js'))) {
      const text = fs.readFileSync(path.join(DASHBOARD_DIR, file), 'utf8');
      for (const [, spec] of text.matchAll(/from '\.\/([^']+)'/g)) {
        expect(dashboardFileName(`/${spec}`), `${file} imports ${spec}`).toBe(spec);
      }
    }
  });
});
