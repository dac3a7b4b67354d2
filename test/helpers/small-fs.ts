// A small file system of its own for a test: a tmpfs of a few megabytes mounted on a fresh temp
// directory, so a test can fill it and see what the broker does on a full disk. Mounting needs root
// (CI and the developers' machines run as root); `fill` takes the rest of the space with one file
// and `free` gives it back.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { makeTempDir, removeTempDir } from './temp-dir.js';

export interface SmallFs {
  /** The mount point: an empty directory on the small file system. */
  dir: string;
  /** Writes a filler file until the file system is full (ENOSPC), leaving `leaveBytes` free. */
  fill(leaveBytes?: number): void;
  /** Removes the filler file. */
  free(): void;
  /** Bytes still free. */
  available(): number;
  /** Unmounts and removes the mount point. */
  remove(): void;
}

export function mountSmallFs(sizeBytes: number, prefix = 'kiln-smallfs-'): SmallFs {
  const dir = makeTempDir(prefix);
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes}`, 'tmpfs', dir]);
  const filler = path.join(dir, '.filler');
  const available = (): number => {
    const stats = fs.statfsSync(dir);
    return stats.bavail * stats.bsize;
  };
  return {
    dir,
    available,
    fill(leaveBytes = 0) {
      const fd = fs.openSync(filler, 'a');
      const chunk = Buffer.alloc(64 * 1024);
      try {
        for (;;) {
          const room = available() - leaveBytes;
          if (room <= 0) break;
          fs.writeSync(fd, chunk, 0, Math.min(chunk.length, room));
        }
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
      } finally {
        fs.closeSync(fd);
      }
    },
    free() {
      fs.rmSync(filler, { force: true });
    },
    remove() {
      try {
        execFileSync('umount', ['-l', dir]);
      } finally {
        removeTempDir(dir);
      }
    },
  };
}
