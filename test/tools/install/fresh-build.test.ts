import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  builtAt,
  ensureBuilt,
  isStale,
  takeOverDeadLock,
  withLock,
} from '../../../tools/install/fresh-build.mjs';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';

const projectRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** A miniature project: one TypeScript source, the project's compiler through node_modules. */
function makeProject(root: string): void {
  fs.symlinkSync(path.join(projectRoot, 'node_modules'), path.join(root, 'node_modules'));
  fs.writeFileSync(path.join(root, 'package.json'), '{ "type": "module" }\n');
  const options = {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    types: [],
  };
  fs.writeFileSync(
    path.join(root, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { ...options, outDir: 'dist', rootDir: '.' }, include: ['server'] }),
  );
  fs.writeFileSync(path.join(root, 'tsconfig.build.json'), JSON.stringify({ extends: './tsconfig.json' }));
  fs.mkdirSync(path.join(root, 'server'));
  fs.writeFileSync(path.join(root, 'server', 'a.ts'), 'export const a: number = 1;\n');
}

function later(file: string): void {
  const future = new Date(Date.now() + 5_000);
  fs.utimesSync(file, future, future);
}

describe('fresh-build', () => {
  let root: string;
  beforeEach(() => {
    root = makeTempDir('fresh-build');
    makeProject(root);
  });
  afterEach(() => removeTempDir(root));

  it('builds a tree that was never built, then not again while nothing changed', () => {
    expect(isStale(root)).toBe(true);
    expect(ensureBuilt(root)).toBe(true);
    expect(fs.readFileSync(path.join(root, 'dist', 'server', 'a.js'), 'utf8')).toContain('a = 1');
    expect(builtAt(root)).toBeGreaterThan(0);
    expect(isStale(root)).toBe(false);
    expect(ensureBuilt(root)).toBe(false);
  });

  it('an edited source is rebuilt before it runs (no stale code)', () => {
    ensureBuilt(root);
    const source = path.join(root, 'server', 'a.ts');
    fs.writeFileSync(source, 'export const a: number = 2;\n');
    later(source);
    expect(isStale(root)).toBe(true);
    expect(ensureBuilt(root)).toBe(true);
    expect(fs.readFileSync(path.join(root, 'dist', 'server', 'a.js'), 'utf8')).toContain('a = 2');
  });

  it('a source deleted since the last build leaves no compiled file behind', () => {
    ensureBuilt(root);
    fs.rmSync(path.join(root, 'server', 'a.ts'));
    const added = path.join(root, 'server', 'b.ts');
    fs.writeFileSync(added, 'export const b = 3;\n');
    later(added);
    ensureBuilt(root);
    expect(fs.existsSync(path.join(root, 'dist', 'server', 'b.js'))).toBe(true);
    expect(fs.existsSync(path.join(root, 'dist', 'server', 'a.js'))).toBe(false);
  });

  it('a source that does not compile is an error naming it, and is tried again at the next start', () => {
    ensureBuilt(root);
    const source = path.join(root, 'server', 'a.ts');
    fs.writeFileSync(source, 'export const a: number = "not a number";\n');
    later(source);
    expect(() => ensureBuilt(root)).toThrow(/compiling the TypeScript failed:[\s\S]*server\/a\.ts/);
    expect(isStale(root)).toBe(true);
    expect(fs.existsSync(path.join(root, 'dist.lock'))).toBe(false);
  });

  it("a rebuild leaves a benchmark's own build under dist/.bench-<pid> alone", () => {
    ensureBuilt(root);
    const benchBuild = path.join(root, 'dist', '.bench-123', 'server');
    fs.mkdirSync(benchBuild, { recursive: true });
    fs.writeFileSync(path.join(benchBuild, 'main.js'), '');
    later(path.join(root, 'server', 'a.ts'));
    expect(ensureBuilt(root)).toBe(true);
    expect(fs.existsSync(path.join(benchBuild, 'main.js'))).toBe(true);
  });

  it('the lock of a build that was killed (Ctrl-C during npm start) does not hold the next start', () => {
    const lock = path.join(root, 'dist.lock');
    fs.mkdirSync(lock);
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    });
    fs.writeFileSync(path.join(lock, 'pid'), gone.stdout);
    expect(ensureBuilt(root)).toBe(true);
    expect(fs.existsSync(lock)).toBe(false);
  });

  it('six starts that find the same dead lock hold it one at a time', async () => {
    const lock = path.join(root, 'dist.lock');
    fs.mkdirSync(lock);
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    });
    fs.writeFileSync(path.join(lock, 'pid'), gone.stdout);
    const journal = path.join(root, 'journal');
    const module = path.join(projectRoot, 'tools/install/fresh-build.mjs');
    // Each start holds the lock for 150 ms and notes when it entered and left.
    const script = `
      import fs from 'node:fs';
      import { withLock } from ${JSON.stringify(module)};
      const note = (what) => fs.appendFileSync(${JSON.stringify(journal)}, what + ' ' + process.pid + '\\n');
      withLock(${JSON.stringify(root)}, () => {
        note('in');
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 150);
        note('out');
      });`;
    const starts = Array.from({ length: 6 }, () =>
      spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'inherit' }),
    );
    await Promise.all(starts.map((child) => new Promise((resolve) => child.once('exit', resolve))));
    const lines = fs.readFileSync(journal, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(12);
    // Held by one start at a time: every "in" is followed by the same start's "out".
    for (let i = 0; i < lines.length; i += 2) {
      const [what, pid] = lines[i]!.split(' ');
      expect(what).toBe('in');
      expect(lines[i + 1]).toBe(`out ${pid}`);
    }
    expect(fs.existsSync(lock)).toBe(false);
  });

  it('a start acting late on a dead lock does not take the lock a rival has just taken over', () => {
    const lock = path.join(root, 'dist.lock');
    fs.mkdirSync(lock);
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    });
    fs.writeFileSync(path.join(lock, 'pid'), gone.stdout);
    const holder = withLock(root, () => {
      // A rival that found the same dead holder before this start took over acts only now.
      takeOverDeadLock(root, Number(gone.stdout));
      return fs.readFileSync(path.join(lock, 'pid'), 'utf8');
    });
    expect(holder).toBe(String(process.pid));
    expect(fs.existsSync(lock)).toBe(false);
  });

  it('a tsconfig change counts as a source change', () => {
    ensureBuilt(root);
    later(path.join(root, 'tsconfig.build.json'));
    expect(isStale(root)).toBe(true);
  });
});
