import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LogDirLockedError } from '../../../engine/errors.js';
import { DirLock, LOCK_FILE } from '../../../engine/log/dir-lock.js';
import { mountSmallFs } from '../../helpers/small-fs.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';

describe('DirLock', () => {
  let dir: string;
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(() => removeTempDir(dir));

  it('refuses a second holder while the first holds the lock, and allows it after release', () => {
    const lock = DirLock.acquire(dir);
    expect(() => DirLock.acquire(dir)).toThrow(LogDirLockedError);
    lock.release();
    expect(fs.existsSync(path.join(dir, LOCK_FILE))).toBe(false);
    DirLock.acquire(dir).release();
  });

  it('refuses a directory held by another live process', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    try {
      fs.writeFileSync(path.join(dir, LOCK_FILE), `${child.pid}\n`);
      let error: unknown;
      try {
        DirLock.acquire(dir);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(LogDirLockedError);
      expect((error as LogDirLockedError).holderPid).toBe(child.pid);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('takes over a lock held by a killed process its parent has not reaped yet (a zombie)', async () => {
    // The Python parent forks a child that exits at once and is never waited for: a zombie.
    const parent = spawn(
      '/usr/bin/python3',
      [
        '-c',
        'import os,sys,time\npid=os.fork()\nif pid==0: os._exit(0)\nprint(pid, flush=True)\ntime.sleep(10)',
      ],
      {
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    try {
      const zombie = await new Promise<number>((resolve) =>
        parent.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))),
      );
      await new Promise((resolve) => setTimeout(resolve, 100));
      fs.writeFileSync(path.join(dir, LOCK_FILE), `${zombie}\n`);
      DirLock.acquire(dir).release();
    } finally {
      parent.kill('SIGKILL');
    }
  });

  it('takes over a stale lock left by a process that died', async () => {
    const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    await new Promise((resolve) => child.on('exit', resolve));
    fs.writeFileSync(path.join(dir, LOCK_FILE), `${child.pid}\n`);
    const lock = DirLock.acquire(dir);
    expect(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8').split(' ')[0]).toBe(String(process.pid));
    lock.release();
  });

  it('takes over a stale lock that holds its own pid (PID 1 in a container after a SIGKILL)', () => {
    fs.writeFileSync(path.join(dir, LOCK_FILE), `${process.pid}\n`);
    const lock = DirLock.acquire(dir);
    // Held now: a second open in this process is refused.
    expect(() => DirLock.acquire(dir)).toThrow(LogDirLockedError);
    lock.release();
  });

  it('takes over a lock whose pid now belongs to another process (a reused pid)', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    try {
      // The pid is alive, but its start time is not the one the lock recorded.
      fs.writeFileSync(path.join(dir, LOCK_FILE), `${child.pid} 1\n`);
      DirLock.acquire(dir).release();
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('a broker that is PID 1 takes its lock again after a SIGKILL', { timeout: 30_000 }, async () => {
    // Each run is PID 1 of a new pid namespace, as in a container; the first is killed holding the lock.
    const script = [
      `const { DirLock } = await import(${JSON.stringify(path.resolve('engine/log/dir-lock.ts'))});`,
      `DirLock.acquire(${JSON.stringify(dir)});`,
      `console.log('locked', process.pid);`,
      'setTimeout(() => {}, 30000);',
    ].join('\n');
    const run = (): Promise<{ out: string; kill: () => Promise<void> }> =>
      new Promise((resolve, reject) => {
        const child = spawn(
          'unshare',
          [
            '--pid',
            '--fork',
            '--mount-proc',
            process.execPath,
            '--import',
            'tsx',
            '--input-type=module',
            '-e',
            script,
          ],
          { stdio: ['ignore', 'pipe', 'pipe'] },
        );
        let out = '';
        let err = '';
        const exited = new Promise<void>((done) => child.on('exit', () => done()));
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes('\n')) resolve({ out, kill: () => (child.kill('SIGKILL'), exited) });
        });
        child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
        child.on('exit', () => reject(new Error(`exited before locking: ${out}${err}`)));
      });
    const first = await run();
    expect(first.out.trim()).toBe('locked 1');
    await first.kill();
    expect(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8').split(' ')[0]).toBe('1');
    const second = await run();
    expect(second.out.trim()).toBe('locked 1');
    await second.kill();
  });

  it('a lock written as a symbolic link (on a full disk) keeps out others while its holder lives', () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    try {
      const stat = fs.readFileSync(`/proc/${child.pid}/stat`, 'utf8');
      const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
      fs.symlinkSync(`${child.pid} ${start}`, path.join(dir, LOCK_FILE));
      expect(() => DirLock.acquire(dir)).toThrow(LogDirLockedError);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('takes the lock on a disk full to the last byte, and a second holder is still refused', () => {
    const small = mountSmallFs(1024 * 1024);
    try {
      small.fill();
      const lock = DirLock.acquire(small.dir);
      // The lock names its holder although no data block could be written.
      expect(fs.readlinkSync(path.join(small.dir, LOCK_FILE)).split(' ')[0]).toBe(String(process.pid));
      expect(() => DirLock.acquire(small.dir)).toThrow(LogDirLockedError);
      lock.release();
      expect(fs.existsSync(path.join(small.dir, LOCK_FILE))).toBe(false);
    } finally {
      small.remove();
    }
  });
});
