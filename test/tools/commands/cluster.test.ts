import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { waitFor } from '../../helpers/wait-for.js';
import { freePort } from '../../helpers/zookeeper.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const run = promisify(execFile);

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A first port with the next two free as well. */
async function threeFreePorts(): Promise<number> {
  for (;;) {
    const port = 20000 + Math.floor(Math.random() * 40000);
    if ((await isFree(port)) && (await isFree(port + 1)) && (await isFree(port + 2))) return port;
  }
}

describe('kiln cluster (npm run cluster)', () => {
  it('starts ZooKeeper and three brokers that kcat sees as one cluster, and Ctrl-C stops them all', async () => {
    const dir = makeTempDir('kiln-local-cluster-');
    const port = await threeFreePorts();
    const zookeeperPort = await freePort();
    const args = ['bin/kiln.js', 'cluster', '--data-dir', dir, '--port', String(port)];
    args.push('--zookeeper-port', String(zookeeperPort));
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await waitFor(() => output.includes('[cluster] ready'), {
        timeoutMs: 60_000,
        intervalMs: 100,
        what: 'the cluster',
      });
      const bootstrap = [0, 1, 2].map((i) => `127.0.0.1:${port + i}`).join(',');
      expect(output).toContain(`bootstrap ${bootstrap}`);
      // Every broker's lines carry its id.
      for (const id of [1, 2, 3]) expect(output).toContain(`[broker ${id}] `);
      await waitFor(
        async () => {
          const { stdout } = await run('kcat', ['-b', `127.0.0.1:${port}`, '-L', '-J'], { timeout: 20_000 });
          return (JSON.parse(stdout) as { brokers: unknown[] }).brokers.length === 3;
        },
        { timeoutMs: 30_000, intervalMs: 200, what: 'kcat to see three brokers' },
      );
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(output).toContain('[cluster] stopped');
      for (const p of [port, port + 1, port + 2, zookeeperPort]) expect(await isFree(p)).toBe(true);
      // Every broker's controlled shutdown finished (they hand the controller on as they stop).
      expect(output.match(/controlled shutdown done/g)).toHaveLength(3);
      // Each broker's data is under the one folder.
      for (const id of [1, 2, 3])
        expect(fs.existsSync(path.join(dir, `broker-${id}`, 'meta.properties'))).toBe(true);
    } catch (err) {
      // What the cluster printed says where the time went.
      (err as Error).message += `\n--- kiln cluster printed ---\n${output}`;
      throw err;
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      removeTempDir(dir);
    }
  }, 150_000);

  it('SIGHUP (a closed terminal) stops it too, ZooKeeper included (it was left running)', async () => {
    const dir = makeTempDir('kiln-local-cluster-');
    const port = await threeFreePorts();
    const zookeeperPort = await freePort();
    const args = ['bin/kiln.js', 'cluster', '--data-dir', dir, '--port', String(port), '--brokers', '1'];
    args.push('--zookeeper-port', String(zookeeperPort));
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await waitFor(() => output.includes('[cluster] ready'), {
        timeoutMs: 60_000,
        intervalMs: 100,
        what: 'the cluster',
      });
      child.kill('SIGHUP');
      expect(await exited).toBe(0);
      for (const p of [port, zookeeperPort]) expect(await isFree(p)).toBe(true);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      removeTempDir(dir);
    }
  }, 120_000);

  it('a port already taken is a clear error, with nothing left running', async () => {
    const blocker = net.createServer();
    const zookeeperPort = await freePort();
    await new Promise<void>((resolve) => blocker.listen(zookeeperPort, '127.0.0.1', resolve));
    try {
      const result = await run(
        process.execPath,
        [
          'bin/kiln.js',
          'cluster',
          '--data-dir',
          '/nonexistent-never-made',
          '--zookeeper-port',
          String(zookeeperPort),
        ],
        { cwd: root, timeout: 30_000 },
      ).then(
        () => ({ code: 0, stderr: '' }),
        (err: { code: number; stderr: string }) => err,
      );
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`kiln cluster: port ${zookeeperPort} (ZooKeeper) is not free`);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});
