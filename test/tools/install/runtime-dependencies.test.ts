import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// `npm ci --omit=dev` installs only `dependencies`, and its postinstall compiles the broker: so
// every package the compiled code imports, and what the compile itself needs, must be listed there.
const root = fileURLToPath(new URL('../../../', import.meta.url));
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
};

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(file);
    return /\.(ts|mjs|js)$/.test(entry.name) ? [file] : [];
  });
}

function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('node:')) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
}

describe('runtime dependencies', () => {
  it('npm ci --omit=dev can build and run the broker (the compiler was a dev dependency)', () => {
    expect(Object.keys(pkg.dependencies)).toEqual(expect.arrayContaining(['typescript', '@types/node']));
  });

  it('every package the broker and the kiln command import is a runtime dependency', () => {
    const missing = new Set<string>();
    for (const dir of ['engine', 'server', 'tools', 'bin']) {
      for (const file of sources(path.join(root, dir))) {
        const text = fs.readFileSync(file, 'utf8');
        for (const match of text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+['"]([^'"]+)['"]/gm)) {
          if (/^\s*import\s+type\b/.test(match[0])) continue;
          const name = packageOf(match[1]!);
          if (name && !(name in pkg.dependencies)) missing.add(`${name} (${path.relative(root, file)})`);
        }
      }
    }
    expect([...missing]).toEqual([]);
  });
});
