// Temporary directories for tests that touch the file system. Each test makes its own and removes
// it afterwards, so tests can run in parallel and leave nothing behind.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Creates a fresh directory under the OS temp dir, named `<prefix><random>`, and returns its path. */
export function makeTempDir(prefix = 'kiln-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Removes a directory made by makeTempDir and everything in it; a missing directory is fine. */
export function removeTempDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}
