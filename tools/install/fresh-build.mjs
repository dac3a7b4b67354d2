/**
 * Keeps dist/ (the compiled broker and `kiln` command) in step with the TypeScript sources, so the
 * broker and the tools start as plain JavaScript and never run stale code.
 *
 * `npm install` builds once (postinstall); `npm start` and `kiln` check before loading dist/ and
 * rebuild only when a source is newer than the last build. The check stats the sources (engine/,
 * server/, tools/ and the tsconfig files): a few milliseconds.
 *
 * dist/.kiln-build records a finished build: the JSON {"builtAt": <ms>, "node": "<version>"}.
 * A rebuild compiles in place (a broker already running from dist/ keeps its loaded code), then
 * removes compiled files whose source is gone; the stamp is written only after a whole build, so
 * a failed compile is tried again, with its errors, at the next start. A lock directory
 * (dist.lock, holding the builder's pid) keeps two starts from building at once; the lock of a
 * build that was killed is taken over (see withLock).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SOURCE_DIRS = ['engine', 'server', 'tools'];
const SOURCE_FILES = ['tsconfig.json', 'tsconfig.build.json'];
const STAMP = '.kiln-build';
const LOCK_STALE_MS = 5 * 60_000;

/** The newest modification time among the sources under `root`, in ms. */
export function newestSource(root = ROOT) {
  let newest = 0;
  const visit = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) visit(file);
      else if (/\.(ts|mts|cts|json)$/.test(entry.name)) newest = Math.max(newest, fs.statSync(file).mtimeMs);
    }
  };
  for (const dir of SOURCE_DIRS) if (fs.existsSync(path.join(root, dir))) visit(path.join(root, dir));
  for (const file of SOURCE_FILES) {
    const full = path.join(root, file);
    if (fs.existsSync(full)) newest = Math.max(newest, fs.statSync(full).mtimeMs);
  }
  return newest;
}

/** When dist/ under `root` was last built whole, in ms; 0 when it never was. */
export function builtAt(root = ROOT) {
  try {
    const stamp = JSON.parse(fs.readFileSync(path.join(root, 'dist', STAMP), 'utf8'));
    return typeof stamp.builtAt === 'number' ? stamp.builtAt : 0;
  } catch {
    return 0;
  }
}

export function isStale(root = ROOT) {
  return builtAt(root) < newestSource(root);
}

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** The pid written in `lock`, or 0 when there is none. */
function holderOf(lock) {
  try {
    const pid = Number(fs.readFileSync(path.join(lock, 'pid'), 'utf8'));
    return Number.isInteger(pid) && pid > 0 ? pid : 0;
  } catch {
    return 0;
  }
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code !== 'ESRCH';
  }
}

/**
 * Moves aside the lock of a holder found dead, to `dist.lock.dead-<holder>`. That name is the same
 * for every start that found the same dead holder, and the moved lock stays there until it is old:
 * so when one start has taken over and holds a new lock, a rival that acts late on the same finding
 * cannot move the live lock (a directory cannot be renamed over a non-empty one).
 */
export function takeOverDeadLock(root, deadHolder) {
  const lock = path.join(root, 'dist.lock');
  try {
    fs.renameSync(lock, `${lock}.dead-${deadHolder}`);
  } catch (err) {
    if (err.code !== 'ENOENT' && err.code !== 'EEXIST' && err.code !== 'ENOTEMPTY') throw err;
  }
}

/** Removes the moved-aside locks of dead holders once nobody can still be acting on them. */
function removeOldDeadLocks(root) {
  for (const name of fs.readdirSync(root)) {
    if (!name.startsWith('dist.lock.dead-')) continue;
    const file = path.join(root, name);
    const mtime = fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? Date.now();
    if (Date.now() - mtime > LOCK_STALE_MS) fs.rmSync(file, { recursive: true, force: true });
  }
}

/**
 * Runs `work` holding dist.lock. The lock is made whole, pid inside, under a private name and
 * renamed into place, so no start ever sees a lock without its holder. The lock of a build that was
 * killed midway is taken over (takeOverDeadLock); one whose holder lives but has held it for longer
 * than any build takes is taken over too.
 */
export function withLock(root, work) {
  const lock = path.join(root, 'dist.lock');
  const mine = `${lock}.${process.pid}`;
  fs.rmSync(mine, { recursive: true, force: true });
  fs.mkdirSync(mine);
  fs.writeFileSync(path.join(mine, 'pid'), String(process.pid));
  for (;;) {
    try {
      fs.renameSync(mine, lock);
      break;
    } catch (err) {
      if (err.code !== 'EEXIST' && err.code !== 'ENOTEMPTY') throw err;
      const holder = holderOf(lock);
      const mtime = fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now();
      if (holder && !isAlive(holder)) takeOverDeadLock(root, holder);
      else if (Date.now() - mtime > LOCK_STALE_MS) takeOverDeadLock(root, `${holder}-${Math.floor(mtime)}`);
      else sleep(100);
    }
  }
  try {
    return work();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
    removeOldDeadLocks(root);
  }
}

function typescriptCompiler(root) {
  try {
    return createRequire(path.join(root, 'package.json')).resolve('typescript/bin/tsc');
  } catch {
    throw new Error(
      'the compiled broker is missing or older than its sources, and TypeScript is not installed: run `npm install`',
    );
  }
}

/** Removes compiled files whose source is gone (a deleted command must not stay runnable). */
function removeOrphans(root, dir = path.join(root, 'dist')) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      // Hidden directories are other builds' (the benchmarks compile into dist/.bench-<pid>).
      if (!entry.name.startsWith('.')) removeOrphans(root, file);
      continue;
    }
    const compiled = entry.name.match(/^(.*)\.js(\.map)?$/);
    if (!compiled) continue;
    const source = path.join(root, path.relative(path.join(root, 'dist'), dir), `${compiled[1]}.ts`);
    if (!fs.existsSync(source)) fs.rmSync(file, { force: true });
  }
}

/** Compiles the sources into dist/ and records the build. */
export function build(root = ROOT) {
  const tsc = typescriptCompiler(root);
  const started = Date.now();
  const dist = path.join(root, 'dist');
  fs.rmSync(path.join(dist, STAMP), { force: true });
  const run = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], {
    cwd: root,
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`compiling the TypeScript failed:\n${run.stdout}${run.stderr}`);
  removeOrphans(root);
  fs.writeFileSync(
    path.join(dist, STAMP),
    JSON.stringify({ builtAt: started, node: process.version }) + '\n',
  );
}

/** Builds dist/ when it is missing or older than any source; returns whether it built. */
export function ensureBuilt(root = ROOT) {
  if (!isStale(root)) return false;
  return withLock(root, () => {
    if (!isStale(root)) return false;
    process.stderr.write(
      'kiln: compiling the TypeScript sources into dist/ (they changed since the last build)\n',
    );
    build(root);
    return true;
  });
}

if (process.argv[1] && fs.realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    ensureBuilt();
  } catch (err) {
    process.stderr.write(`kiln: ${err.message}\n`);
    process.exit(1);
  }
}
