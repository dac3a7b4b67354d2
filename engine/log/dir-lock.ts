/**
 * The lock that keeps two processes from opening one data directory.
 *
 * `<dir>/.lock` holds the owner's pid. It is created with O_EXCL (atomic on a local file system).
 * A lock whose pid is no longer alive is stale — the owner crashed — and is taken over. Node has no
 * flock(2); a pid file is enough for processes on one machine, which is what a data directory is.
 */
import fs from 'node:fs';
import path from 'node:path';
import { LogDirLockedError, StorageError } from '../errors.js';

export const LOCK_FILE = '.lock';

export class DirLock {
  private constructor(
    readonly dir: string,
    private readonly file: string,
  ) {}

  /** Takes the lock or throws LogDirLockedError naming the live holder. */
  static acquire(dir: string): DirLock {
    const file = path.join(dir, LOCK_FILE);
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        fs.writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
        return new DirLock(dir, file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST')
          throw new StorageError(`cannot lock ${dir}`, err);
      }
      const holder = readHolder(file);
      if (holder !== undefined && holder !== process.pid && isAlive(holder))
        throw new LogDirLockedError(dir, holder);
      if (holder === process.pid) throw new LogDirLockedError(dir, holder);
      // Stale: the holder is gone. Remove it and try again.
      fs.rmSync(file, { force: true });
    }
    throw new LogDirLockedError(dir, readHolder(file));
  }

  release(): void {
    if (readHolder(this.file) === process.pid) fs.rmSync(this.file, { force: true });
  }
}

function readHolder(file: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A killed process its parent has not reaped yet (a zombie) still answers kill(0), yet it is dead.
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.charAt(stat.lastIndexOf(')') + 2) !== 'Z';
  } catch {
    return true; // no /proc here: trust kill(0)
  }
}
