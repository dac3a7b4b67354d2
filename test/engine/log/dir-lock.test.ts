import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LogDirLockedError } from '../../../engine/errors.js';
import { DirLock, LOCK_FILE } from '../../../engine/log/dir-lock.js';
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
    expect(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8').trim()).toBe(String(process.pid));
    lock.release();
  });
});
