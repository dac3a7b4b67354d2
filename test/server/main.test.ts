import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

const run = promisify(execFile);

/** Runs server/main.ts to its end (for starts that fail): exit code and stderr. */
async function failedStart(
  overrides: string[],
  as?: { uid: number; gid: number },
): Promise<{ code: number; stderr: string }> {
  const args = ['--import', 'tsx', 'server/main.ts', ...overrides.flatMap((o) => ['--override', o])];
  const result = await run(process.execPath, args, { cwd: root, timeout: 30_000, ...as }).then(
    () => ({ code: 0, stderr: '' }),
    (err: { code: number; stderr: string }) => err,
  );
  return { code: result.code, stderr: result.stderr };
}

function startServer(
  dataDir: string,
  viaNpmStart = false,
  extra: string[] = [],
): Promise<{ child: ChildProcess; output: () => string }> {
  const overrides = [
    '--override',
    'listeners=PLAINTEXT://127.0.0.1:0',
    '--override',
    `log.dirs=${dataDir}`,
    '--override',
    'kiln.admin.listener=none',
    ...extra,
  ];
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
  it(
    'a signal that arrives while the broker starts stops it cleanly once started (it killed it with its lock held)',
    {
      timeout: 60_000,
    },
    async () => {
      const dataDir = makeTempDir('kiln-main-');
      dirs.push(dataDir);
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          'server/main.ts',
          '--override',
          'listeners=PLAINTEXT://127.0.0.1:0',
          '--override',
          `log.dirs=${dataDir}`,
        ],
        { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let text = '';
      child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      // The data directory's lock is the start under way: the signal comes before the start line.
      await waitFor(() => fs.existsSync(path.join(dataDir, '.lock')), { what: 'the data directory locked' });
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(text).toContain('kiln broker stopped');
      expect(fs.existsSync(path.join(dataDir, '.kafka_cleanshutdown'))).toBe(true);
      expect(fs.existsSync(path.join(dataDir, '.lock'))).toBe(false);
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

  it(
    'the start line says the version; an unknown property is a warning, not a failure',
    { timeout: 60_000 },
    async () => {
      const dataDir = makeTempDir('kiln-main-');
      dirs.push(dataDir);
      const { child, output } = await startServer(dataDir, false, ['--override', 'no.such.property=1']);
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
      const started = output()
        .split('\n')
        .find((line) => line.includes('kiln broker started'));
      expect(JSON.parse(started!)).toMatchObject({ version: pkg.version, msg: 'kiln broker started' });
      expect(output()).toContain('no.such.property: not a known broker property, ignored');
    },
  );

  it(
    '--log-format text writes readable lines even to a pipe; log.level is accepted',
    { timeout: 60_000 },
    async () => {
      const dataDir = makeTempDir('kiln-main-');
      dirs.push(dataDir);
      const extra = ['--log-format', 'text', '--override', 'log.level=debug'];
      const { child, output } = await startServer(dataDir, false, extra);
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      const started = output()
        .split('\n')
        .find((line) => line.includes('kiln broker started'))!;
      expect(started).toMatch(/INFO.*kiln broker started/);
      expect(() => JSON.parse(started) as unknown).toThrow();
    },
  );

  it('a bad --log-format or log.level is refused, naming it (exit 2)', { timeout: 60_000 }, async () => {
    const format = await run(process.execPath, ['--import', 'tsx', 'server/main.ts', '--log-format', 'xml'], {
      cwd: root,
      timeout: 30_000,
    }).then(
      () => ({ code: 0, stderr: '' }),
      (err: { code: number; stderr: string }) => err,
    );
    expect(format.code).toBe(2);
    expect(format.stderr).toContain("--log-format: expected text or json, got 'xml'");
    const level = await failedStart(['log.level=loud']);
    expect(level.code).toBe(2);
    expect(level.stderr).toContain(
      "log.level: expected one of trace, debug, info, warn, error, fatal, silent, got 'loud'",
    );
  });

  it(
    'a data directory under a file says why (ENOTDIR) and exits 1 without a stack',
    { timeout: 60_000 },
    async () => {
      const dir = makeTempDir('kiln-main-');
      dirs.push(dir);
      const file = path.join(dir, 'a-file');
      fs.writeFileSync(file, 'x');
      const { code, stderr } = await failedStart([
        'listeners=PLAINTEXT://127.0.0.1:0',
        `log.dirs=${file}/data`,
      ]);
      expect(code).toBe(1);
      expect(stderr).toContain(
        `kiln: cannot use data directory ${file}/data: a part of the path is a file, not a directory (ENOTDIR)`,
      );
      expect(stderr).not.toMatch(/^\s+at /m);
    },
  );

  it(
    'a data directory the broker may not create says permission denied (EACCES)',
    { timeout: 60_000 },
    async () => {
      // Run as nobody: root may write anywhere.
      const dir = makeTempDir('kiln-main-');
      dirs.push(dir);
      fs.chmodSync(dir, 0o755);
      const { code, stderr } = await failedStart(
        ['listeners=PLAINTEXT://127.0.0.1:0', `log.dirs=${dir}/data`],
        {
          uid: 65534,
          gid: 65534,
        },
      );
      expect(code).toBe(1);
      expect(stderr).toContain(`kiln: cannot use data directory ${dir}/data: permission denied`);
      expect(stderr).toContain('(EACCES)');
    },
  );

  it('a data directory on a read-only file system says so (EROFS)', { timeout: 60_000 }, async () => {
    const mount = makeTempDir('kiln-ro-');
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', mount]);
    try {
      const { code, stderr } = await failedStart([
        'listeners=PLAINTEXT://127.0.0.1:0',
        `log.dirs=${mount}/data`,
      ]);
      expect(code).toBe(1);
      expect(stderr).toContain(
        `kiln: cannot use data directory ${mount}/data: the file system is mounted read-only (EROFS)`,
      );
      expect(stderr).not.toMatch(/^\s+at /m);
    } finally {
      execFileSync('umount', [mount]);
      removeTempDir(mount);
    }
  });

  it(
    'a port in use fails the start, removing a data directory it created and keeping an existing one',
    { timeout: 60_000 },
    async () => {
      const taken = net.createServer();
      await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
      const port = (taken.address() as net.AddressInfo).port;
      const parent = makeTempDir('kiln-main-');
      dirs.push(parent);
      try {
        const fresh = path.join(parent, 'new', 'data');
        const first = await failedStart([`listeners=PLAINTEXT://127.0.0.1:${port}`, `log.dirs=${fresh}`]);
        expect(first.code).toBe(1);
        expect(first.stderr).toContain(`cannot listen on 127.0.0.1:${port}: the port is already in use`);
        expect(first.stderr).toContain('(EADDRINUSE)');
        expect(fs.existsSync(path.join(parent, 'new'))).toBe(false);
        const existing = path.join(parent, 'existing');
        fs.mkdirSync(existing);
        fs.writeFileSync(path.join(existing, 'keep-me'), 'x');
        const second = await failedStart([`listeners=PLAINTEXT://127.0.0.1:${port}`, `log.dirs=${existing}`]);
        expect(second.code).toBe(1);
        expect(fs.readFileSync(path.join(existing, 'keep-me'), 'utf8')).toBe('x');
      } finally {
        await new Promise((resolve) => taken.close(resolve));
      }
    },
  );
});
