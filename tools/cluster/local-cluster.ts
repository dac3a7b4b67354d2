/**
 * A cluster on this machine for trying Kiln's cluster mode (`npm run cluster`, `kiln cluster`):
 * Debian's ZooKeeper and N brokers on loopback ports, every broker's data under one folder
 * (`<dir>/broker-<id>`, ZooKeeper's under `<dir>/zookeeper`), the brokers' log lines printed with
 * their id in front. `stop()` stops the brokers cleanly (SIGTERM: each resigns and leaves the
 * cluster), then ZooKeeper.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startZooKeeperProcess, type ZooKeeperProcess } from './zookeeper-process.js';

export interface LocalClusterOptions {
  dir: string;
  brokers: number;
  zookeeperPort: number;
  /** The first broker's port; broker i listens on port + i - 1. */
  port: number;
  /** The first broker's admin listener port (kiln.admin.listener); broker i's is adminPort + i - 1. */
  adminPort?: number;
  /** Where log lines go (stdout by default). */
  write?: (line: string) => void;
}

export interface LocalCluster {
  bootstrap: string;
  zookeeper: string;
  stop(): Promise<void>;
}

/** The broker's entry point: the compiled one, or the TypeScript one under tsx (tests, development). */
function brokerCommand(): string[] {
  const here = import.meta.url;
  const main = fileURLToPath(new URL(`../../server/main.${here.endsWith('.ts') ? 'ts' : 'js'}`, here));
  return here.endsWith('.ts') ? ['--import', 'tsx', main] : [main];
}

/** Throws a readable error if a port is taken. */
async function checkFree(port: number, what: string): Promise<void> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new Error(`port ${port} (${what}) is not free: ${err.code ?? err.message}`)),
    );
    server.listen(port, '127.0.0.1', () => resolve());
  });
  await new Promise((resolve) => server.close(resolve));
}

export async function startLocalCluster(options: LocalClusterOptions): Promise<LocalCluster> {
  const write = options.write ?? ((line: string) => process.stdout.write(line + '\n'));
  const ids = Array.from({ length: options.brokers }, (_, i) => i + 1);
  await checkFree(options.zookeeperPort, 'ZooKeeper');
  for (const id of ids) await checkFree(options.port + id - 1, `broker ${id}`);
  const adminPort = options.adminPort ?? 9644;
  for (const id of ids) await checkFree(adminPort + id - 1, `broker ${id}'s admin listener`);
  fs.mkdirSync(options.dir, { recursive: true });
  write(
    `[cluster] starting ZooKeeper on 127.0.0.1:${options.zookeeperPort} (log: ${path.join(options.dir, 'zookeeper', 'zookeeper.out')})`,
  );
  const zookeeper: ZooKeeperProcess = await startZooKeeperProcess({
    dir: path.join(options.dir, 'zookeeper'),
    port: options.zookeeperPort,
  });
  const children = new Map<number, ChildProcess>();
  // However this process ends, nothing it started may outlive it (ZooKeeper runs in a process
  // group of its own, so no terminal signal reaches it).
  const onExit = (): void => {
    for (const child of children.values()) if (child.exitCode === null) child.kill('SIGKILL');
    zookeeper.killNow();
  };
  process.once('exit', onExit);
  const stop = async (): Promise<void> => {
    await Promise.all(
      [...children.values()].map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
          }),
      ),
    );
    await zookeeper.stop();
    process.off('exit', onExit);
  };
  try {
    await Promise.all(ids.map((id) => startBroker(id, options, zookeeper.connect, children, write)));
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    bootstrap: ids.map((id) => `127.0.0.1:${options.port + id - 1}`).join(','),
    zookeeper: zookeeper.connect,
    stop,
  };
}

/** Starts broker `id`; resolves once it says it has started, rejects if it exits first. */
function startBroker(
  id: number,
  options: LocalClusterOptions,
  zookeeperConnect: string,
  children: Map<number, ChildProcess>,
  write: (line: string) => void,
): Promise<void> {
  const overrides = {
    'broker.id': String(id),
    listeners: `PLAINTEXT://127.0.0.1:${options.port + id - 1}`,
    'kiln.admin.listener': `http://127.0.0.1:${(options.adminPort ?? 9644) + id - 1}`,
    'log.dirs': path.join(options.dir, `broker-${id}`),
    'zookeeper.connect': zookeeperConnect,
    'offsets.topic.replication.factor': String(Math.min(3, options.brokers)),
  };
  const args = [...brokerCommand()];
  for (const [key, value] of Object.entries(overrides)) args.push('--override', `${key}=${value}`);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.set(id, child);
  return new Promise((resolve, reject) => {
    let started = false;
    for (const stream of [child.stdout!, child.stderr!]) {
      readline.createInterface({ input: stream }).on('line', (line) => {
        write(`[broker ${id}] ${line}`);
        if (!started && line.includes('kiln broker started')) {
          started = true;
          resolve();
        }
      });
    }
    child.once('exit', (code, signal) => {
      if (!started) reject(new Error(`broker ${id} exited at start (${signal ?? `code ${code}`})`));
    });
  });
}
