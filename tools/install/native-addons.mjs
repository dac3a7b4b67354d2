/**
 * Builds Kiln's two compiled addons (@riaskov/mmap-io and zstd-napi) for the Node that is
 * installing Kiln; run by `npm install` / `npm ci` as the project's postinstall step.
 *
 * package.json's allowScripts keeps npm from running these packages' own install scripts: those
 * compile against whatever headers a user-wide `nodedir` names (on Debian, /usr: Node 20's, so the
 * addon would not load on Node 24 — "Module did not self-register") or download headers, which
 * fails offline. Instead, each addon is tried in a child Node; when it does not load, it is
 * rebuilt with node-gyp against the running Node's own headers:
 *   - Debian's /usr/bin/node keeps them under /usr/include/node;
 *   - an official build (nvm, a tarball) keeps them beside its bin/, as PREFIX/include/node;
 *   - the npm package `node` (22, 24, 26) keeps them in its node-<platform>-<arch> package.
 * Headers are used only when their node_version.h is the running version; when none match,
 * node-gyp fetches the right ones itself (that needs the network).
 *
 * Node 23 and later need C++20 for their V8 headers; mmap-io asks for C++17, so -std=gnu++20 is
 * added after its own flags (the compiler honours the last one).
 *
 * Plain JavaScript with no dependencies: it runs before anything is compiled.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(path.join(ROOT, 'package.json'));

/** Each addon: its package, and the command (run in the package's directory) that compiles it. */
const ADDONS = [
  { name: '@riaskov/mmap-io', build: () => [preGyp(), 'rebuild'] },
  { name: 'zstd-napi', build: (nodeGyp) => [nodeGyp, 'rebuild'] },
];

function preGyp() {
  const dir = path.dirname(require.resolve('@riaskov/mmap-io/package.json'));
  return createRequire(path.join(dir, 'package.json')).resolve('@mapbox/node-pre-gyp/bin/node-pre-gyp');
}

/** The version a headers directory is for (`v24.21.0`), or undefined when it holds none. */
export function versionOfHeaders(prefix) {
  try {
    const text = fs.readFileSync(path.join(prefix, 'include', 'node', 'node_version.h'), 'utf8');
    const part = (name) => text.match(new RegExp(`#define NODE_${name}_VERSION (\\d+)`))?.[1];
    const [major, minor, patch] = [part('MAJOR'), part('MINOR'), part('PATCH')];
    return major && minor && patch ? `v${major}.${minor}.${patch}` : undefined;
  } catch {
    return undefined;
  }
}

/** Where the headers of the Node at `execPath` may be, most likely first. */
export function headerCandidates(execPath = process.execPath) {
  const bin = path.dirname(execPath);
  const realBin = path.dirname(fs.realpathSync(execPath));
  const platformPackage = `node-${process.platform}-${process.arch}`;
  return [
    path.dirname(realBin),
    path.dirname(bin),
    path.join(bin, '..', 'node_modules', platformPackage),
    path.join(bin, '..', '..', platformPackage),
    '/usr',
    '/usr/local',
  ];
}

/** The directory to pass as node-gyp's --nodedir for the running Node, if one is on this machine. */
export function runningNodeHeaders(version = process.version, candidates = headerCandidates()) {
  return candidates.find((prefix) => versionOfHeaders(prefix) === version);
}

function npmNodeGyp() {
  const tried = [process.env.npm_config_node_gyp];
  if (process.env.npm_execpath) {
    tried.push(
      path.join(
        path.dirname(process.env.npm_execpath),
        '..',
        'node_modules',
        'node-gyp',
        'bin',
        'node-gyp.js',
      ),
    );
  }
  tried.push(path.join(ROOT, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  const found = tried.find((file) => file && fs.existsSync(file));
  if (!found) throw new Error(`cannot find node-gyp (looked at ${tried.filter(Boolean).join(', ')})`);
  return found;
}

function loads(name) {
  const probe = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(name)})`], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return probe.status === 0
    ? undefined
    : probe.stderr.split('\n').find((line) => /Error/.test(line)) || 'does not load';
}

function build(addon) {
  const dir = path.dirname(require.resolve(`${addon.name}/package.json`));
  const headers = runningNodeHeaders();
  const env = { ...process.env };
  for (const key of Object.keys(env)) if (key.toLowerCase() === 'npm_config_nodedir') delete env[key];
  if (headers) env.npm_config_nodedir = headers;
  if (Number(process.versions.node.split('.')[0]) >= 23)
    env.CXXFLAGS = `${env.CXXFLAGS ?? ''} -std=gnu++20`.trim();
  const nodeGyp = npmNodeGyp();
  env.npm_config_node_gyp = nodeGyp;
  const where = headers ? `headers in ${headers}` : 'headers node-gyp fetches';
  process.stdout.write(`kiln: building ${addon.name} for node ${process.version} (${where})\n`);
  const run = spawnSync(process.execPath, addon.build(nodeGyp), { cwd: dir, env, encoding: 'utf8' });
  if (run.status !== 0) {
    process.stderr.write(run.stdout + run.stderr);
    throw new Error(`building ${addon.name} for node ${process.version} failed (exit ${run.status})`);
  }
}

export function ensureAddons() {
  for (const addon of ADDONS) {
    if (!loads(addon.name)) continue;
    build(addon);
    const problem = loads(addon.name);
    if (problem)
      throw new Error(
        `${addon.name} was built but still does not load on node ${process.version}: ${problem}`,
      );
  }
}

if (process.argv[1] && fs.realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    ensureAddons();
  } catch (err) {
    process.stderr.write(`kiln: ${err.message}\n`);
    process.exit(1);
  }
}
