import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { freePort } from '../../../tools/cluster/free-port.js';

/**
 * SIGKILL the broker while an idempotent producer runs; after a restart every acknowledged record
 * is there, in order, exactly once.
 */
const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../', import.meta.url));

async function startServer(port: number, dataDir: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'server/main.ts',
      '--override',
      `listeners=PLAINTEXT://127.0.0.1:${port}`,
      '--override',
      `log.dirs=${dataDir}`,
      '--override',
      'kiln.admin.listener=none',
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('kiln broker started')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`broker exited with ${code}`)));
  });
  return child;
}

describe('a broker killed under load', () => {
  const dataDir = makeTempDir('kiln-crash-');
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const child of children) child.kill('SIGKILL');
    removeTempDir(dataDir);
  });

  it(
    'loses no acknowledged record, duplicates none, and keeps committed group offsets',
    { timeout: 180_000 },
    async () => {
      const port = await freePort();
      const bootstrap = `127.0.0.1:${port}`;
      let broker = await startServer(port, dataDir);
      children.push(broker);
      // A group commits its offsets before the crash; they must be intact after it.
      const group = fileURLToPath(new URL('./python/confluent_group.py', import.meta.url));
      const seed = spawn('kcat', ['-b', bootstrap, '-P', '-t', 'committed']);
      seed.stdin.end(Array.from({ length: 10 }, (_, i) => `m${i}`).join('\n') + '\n');
      await new Promise((resolve) => seed.once('exit', resolve));
      await run('/usr/bin/python3', [group, 'consume', bootstrap, 'crash-group', 'committed', '10'], {
        timeout: 60_000,
      });
      const count = 200_000;
      const producer = spawn('/usr/bin/python3', [
        fileURLToPath(new URL('./python/confluent_produce_many.py', import.meta.url)),
        bootstrap,
        'crash',
        String(count),
      ]);
      children.push(producer);
      const producerExit = new Promise((resolve) => producer.once('exit', resolve));
      let output = '';
      producer.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      await new Promise<void>((resolve) => {
        const check = (): void => (output.includes('ready') ? resolve() : void setTimeout(check, 20));
        check();
      });
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(producer.exitCode).toBeNull(); // still producing when the broker dies
      broker.kill('SIGKILL');
      await new Promise((resolve) => broker.once('exit', resolve));
      broker = await startServer(port, dataDir);
      children.push(broker);
      await producerExit;
      const result = JSON.parse(output.trim().split('\n').at(-1)!) as { acked: string[]; errors: string[] };
      expect(result.errors).toEqual([]);
      expect(result.acked.length).toBe(count);

      const { stdout } = await run('kcat', ['-b', bootstrap, '-C', '-t', 'crash', '-e', '-f', '%k\\n'], {
        timeout: 60_000,
        maxBuffer: 64 * 1024 * 1024,
      });
      const stored = stdout.trim().split('\n');
      expect(new Set(stored).size).toBe(stored.length); // no duplicates
      expect(stored).toEqual([...stored].sort()); // in order
      const storedSet = new Set(stored);
      expect(result.acked.filter((key) => !storedSet.has(key))).toEqual([]); // nothing acknowledged is lost
      const { stdout: committed } = await run(
        '/usr/bin/python3',
        [group, 'committed', bootstrap, 'crash-group', 'committed', '1'],
        {
          timeout: 60_000,
        },
      );
      expect(JSON.parse(committed.trim()).committed).toEqual([10]);
      broker.kill('SIGTERM');
      await new Promise((resolve) => broker.once('exit', resolve));
    },
  );
});
