/**
 * Kiln's package: its root directory (the nearest directory above this module holding Kiln's
 * package.json, in the source tree or a compiled copy under dist/) and its version.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface KilnPackage {
  root: string;
  version: string;
}

let cached: KilnPackage | null | undefined;

/** Walks up from `from` to the package.json whose name is kiln; null when there is none. */
function findKilnPackage(from: string): KilnPackage | null {
  let dir = from;
  for (;;) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'kiln') return { root: dir, version: pkg.version ?? 'unknown' };
    }
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

function kilnPackage(): KilnPackage | null {
  if (cached === undefined) cached = findKilnPackage(path.dirname(fileURLToPath(import.meta.url)));
  return cached;
}

/** The `version` of Kiln's package.json ('unknown' when it cannot be found). */
export function kilnVersion(): string {
  return kilnPackage()?.version ?? 'unknown';
}

/** Kiln's root directory: from this module, or from `from` when given (a compiled copy's directory). */
export function kilnPackageRoot(from?: string): string {
  const found = from === undefined ? kilnPackage() : findKilnPackage(from);
  if (!found) throw new Error(`no package.json of kiln above ${from ?? fileURLToPath(import.meta.url)}`);
  return found.root;
}
