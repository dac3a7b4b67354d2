// The relative imports of a source tree that lead outside the directories it may import from:
// what the layering tests (engine, server) check.
import fs from 'node:fs';
import path from 'node:path';

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.m?[jt]s$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

/** `file -> import` for each import of a file under `dir` whose target is in none of `allowed`. */
export function importsLeaving(
  root: string,
  dir: string,
  allowed: string[],
): { files: number; offenders: string[] } {
  const inside = allowed.map((d) => path.join(root, d) + path.sep);
  const files = sourceFiles(path.join(root, dir));
  const offenders: string[] = [];
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8');
    for (const match of text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)) {
      const spec = match[1]!;
      if (!spec.startsWith('.')) continue;
      const target = path.resolve(path.dirname(file), spec);
      if (!inside.some((d) => target.startsWith(d)))
        offenders.push(`${path.relative(root, file)} -> ${spec}`);
    }
  }
  return { files: files.length, offenders };
}
