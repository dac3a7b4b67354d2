/**
 * The lock that keeps two processes from opening one data directory.
 *
 * `<dir>/.lock` holds the owner's pid and, where /proc has it, the owner's start time in clock
 * ticks since boot (field 22 of /proc/<pid>/stat): `<pid> <start>\n`. It is created with O_EXCL
 * (atomic on a local file system). On a full disk it is instead a symbolic link to `<pid> <start>`
 * (see `create`), so a broker starts on a full disk. Node has no flock(2), so a lock is stale — its owner crashed —
 * when its pid is not alive, or is alive with another start time (the pid was reused), or is this
 * very process's pid while this process does not hold the lock: a broker that is PID 1 in a
 * container gets pid 1 again after a SIGKILL and would otherwise never start. A stale lock is taken
 * over. Older lock files hold the pid alone; they are judged by the pid.
 */
import fs from 'node:fs';
import path from 'node:path';
import { LogDirLockedError, StorageError } from '../errors.js';

export const LOCK_FILE = '.lock';

/** Lock files this process holds now. */
const held = new Set<string>();

interface Holder {
  pid: number;
  /** Start time in clock ticks since boot; undefined when the file or /proc did not give one. */
  start: number | undefined;
}

export class DirLock {
  private constructor(
    readonly dir: string,
    private readonly file: string,
  ) {}

  /** Takes the lock or throws LogDirLockedError naming the live holder. */
  static acquire(dir: string): DirLock {
    const file = path.join(dir, LOCK_FILE);
    for (let attempt = 0; attempt < 3; attempt++) {
      const start = startTime(process.pid);
      try {
        create(file, start === undefined ? `${process.pid}` : `${process.pid} ${start}`);
        held.add(file);
        return new DirLock(dir, file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST')
          throw new StorageError(`cannot lock ${dir}`, err);
      }
      const holder = readHolder(file);
      if (holder && isLive(holder, file)) throw new LogDirLockedError(dir, holder.pid);
      // Stale: the holder is gone. Remove it and try again.
      fs.rmSync(file, { force: true });
    }
    throw new LogDirLockedError(dir, readHolder(file)?.pid);
  }

  release(): void {
    if (!held.delete(this.file)) return;
    if (readHolder(this.file)?.pid === process.pid) fs.rmSync(this.file, { force: true });
  }
}

/** Whether the lock's holder still runs. */
function isLive(holder: Holder, file: string): boolean {
  if (holder.pid === process.pid) return held.has(file);
  if (!isAlive(holder.pid)) return false;
  if (holder.start === undefined) return true;
  const now = startTime(holder.pid);
  return now === undefined || now === holder.start;
}

/**
 * Creates the lock file holding `holder`, or fails with EEXIST. On a full disk the file's one data
 * block cannot be had (ENOSPC: it would be left empty, and an empty lock names no one); the lock is
 * then a symbolic link whose target is the same text, which fits in the inode and needs no block,
 * and is as exclusive (symlink(2) fails with EEXIST too).
 */
function create(file: string, holder: string): void {
  const fd = fs.openSync(file, 'wx');
  let error: unknown;
  try {
    fs.writeSync(fd, `${holder}\n`);
  } catch (err) {
    error = err;
  } finally {
    fs.closeSync(fd);
  }
  if (error === undefined) return;
  fs.rmSync(file, { force: true });
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== 'ENOSPC' && code !== 'EDQUOT') throw error;
  fs.symlinkSync(holder, file);
}

/** The holder a lock file names: its text, or a symbolic link's target (written on a full disk). */
function readHolder(file: string): Holder | undefined {
  try {
    const text = fs.lstatSync(file).isSymbolicLink() ? fs.readlinkSync(file) : fs.readFileSync(file, 'utf8');
    const [pidText, startText] = text.trim().split(/\s+/);
    const pid = Number(pidText);
    const start = startText === undefined ? undefined : Number(startText);
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    return { pid, start: Number.isInteger(start) ? start : undefined };
  } catch {
    return undefined;
  }
}

/** Field 22 of /proc/<pid>/stat (after the parenthesised command name, which may hold spaces). */
function startTime(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const start = Number(fields[19]);
    return Number.isInteger(start) ? start : undefined;
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
