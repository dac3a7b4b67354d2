import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

function startServer(
  dataDir: string,
  viaNpmStart = false,
): Promise<{ child: ChildProcess; output: () => string }> {
  const overrides = ['--override', 'listeners=PLAINTEXT://127.0.0.1:0', '--override', `log.dirs=${dataDir}`];
  const child = viaNpmStart
    ? spawn('npm', ['start', '--silent', '--', ...overrides], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      })
    : spawn(process.execPath, ['--import', 'tsx', 'server/main.ts', ...overrides], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
  let text = '';
  child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return new Promise((resolve, reject) => {
    const check = setInterval(() => {
      if (text.includes('kiln broker started')) {
        clearInterval(check);
        resolve({ child, output: () => text });
      }
    }, 20);
    child.once('exit', (code) => {
      clearInterval(check);
      reject(new Error(`exited with ${code}: ${text}`));
    });
  });
}

describe('npm start (server/main.ts)', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach(removeTempDir));

  it(
    'npm start builds the broker, runs it, and SIGTERM to npm stops it cleanly',
    { timeout: 90_000 },
    async () => {
      const dataDir = makeTempDir('kiln-npm-start-');
      dirs.push(dataDir);
      const { child, output } = await startServer(dataDir, true);
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(output()).toContain('kiln broker stopped');
      expect(fs.existsSync(path.join(dataDir, '.kafka_cleanshutdown'))).toBe(true);
    },
  );

  it(
    'stops cleanly on SIGTERM, SIGINT and SIGHUP (a closed terminal): exit 0 with the clean-shutdown marker written',
    { timeout: 60_000 },
    async () => {
      const dataDir = makeTempDir('kiln-main-');
      dirs.push(dataDir);
      for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
        const { child, output } = await startServer(dataDir);
        const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
        child.kill(signal);
        expect(await exited).toBe(0);
        expect(output()).toContain('kiln broker stopped');
        expect(fs.existsSync(path.join(dataDir, '.kafka_cleanshutdown'))).toBe(true);
        expect(fs.readFileSync(path.join(dataDir, 'meta.properties'), 'utf8')).toMatch(/cluster\.id=\S{22}/);
      }
    },
  );
  it('a second signal does not cut a stop short', { timeout: 60_000 }, async () => {
    const dataDir = makeTempDir('kiln-main-');
    dirs.push(dataDir);
    const { child, output } = await startServer(dataDir);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    child.kill('SIGINT');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output()).toContain('kiln broker stopped');
    expect(fs.existsSync(path.join(dataDir, '.kafka_cleanshutdown'))).toBe(true);
    expect(fs.existsSync(path.join(dataDir, '.lock'))).toBe(false);
  });
});
