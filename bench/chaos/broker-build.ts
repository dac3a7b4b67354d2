/**
 * The broker a chaos run starts, compiled once for the whole run so every restart runs the same
 * code: the checkout's working tree (compiled into dist/.bench-<pid>, as the end-to-end benchmark
 * does), or with --from-commit the sources of a git commit, taken with `git archive` into the
 * run's directory (node_modules linked from the checkout) and compiled there. A commit makes a
 * finding reproducible, and keeps a run going while the working tree is being edited.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { compiledBroker } from '../e2e/broker-process.js';

export interface BrokerBuild {
  /** The compiled server/main.js. */
  entry: string;
  /** The directory the broker runs in (its source root). */
  cwd: string;
  /** 'working tree' or 'commit <sha>'. */
  source: string;
}

/** What a commit snapshot needs to compile and run the broker. */
const SNAPSHOT_PATHS = ['engine', 'server', 'tools', 'package.json', 'tsconfig.json', 'tsconfig.build.json'];

export function buildBroker(repoRoot: string, fromCommit: string | null, runDir: string): BrokerBuild {
  if (fromCommit === null) return { entry: compiledBroker(repoRoot), cwd: repoRoot, source: 'working tree' };
  let sha: string;
  try {
    sha = execFileSync('git', ['rev-parse', '--verify', `${fromCommit}^{commit}`], {
      cwd: repoRoot,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
  } catch {
    throw new Error(`--from-commit: '${fromCommit}' is not a commit of ${repoRoot}`);
  }
  const root = path.join(runDir, 'broker-source');
  fs.mkdirSync(root, { recursive: true });
  const tar = execFileSync('git', ['archive', '--format=tar', sha, ...SNAPSHOT_PATHS], {
    cwd: repoRoot,
    maxBuffer: 1 << 30,
  });
  execFileSync('tar', ['-x', '-C', root], { input: tar });
  fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(root, 'node_modules'), 'dir');
  return { entry: compiledBroker(root), cwd: root, source: `commit ${sha}` };
}
