import { execFileSync } from 'node:child_process';

/**
 * Drops a file's pages from the page cache (fsync, then posix_fadvise DONTNEED, through Debian's
 * python3), so the next read of it is a cold one. Pages a live mapping has touched stay resident.
 */
export function evictFromPageCache(file: string): void {
  execFileSync('/usr/bin/python3', [
    '-c',
    'import os,sys; fd=os.open(sys.argv[1], os.O_RDONLY); os.fsync(fd); os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)',
    file,
  ]);
}
