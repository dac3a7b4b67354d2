import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  headerCandidates,
  runningNodeHeaders,
  versionOfHeaders,
} from '../../../tools/install/native-addons.mjs';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';

function fakeHeaders(prefix: string, version: string): void {
  const [major, minor, patch] = version.slice(1).split('.');
  fs.mkdirSync(path.join(prefix, 'include', 'node'), { recursive: true });
  fs.writeFileSync(
    path.join(prefix, 'include', 'node', 'node_version.h'),
    `#define NODE_MAJOR_VERSION ${major}\n#define NODE_MINOR_VERSION ${minor}\n#define NODE_PATCH_VERSION ${patch}\n`,
  );
}

describe('native-addons', () => {
  let root: string;
  beforeEach(() => (root = makeTempDir('native-addons')));
  afterEach(() => removeTempDir(root));

  it('reads the version a headers directory is for', () => {
    fakeHeaders(path.join(root, 'a'), 'v24.21.0');
    expect(versionOfHeaders(path.join(root, 'a'))).toBe('v24.21.0');
    expect(versionOfHeaders(path.join(root, 'none'))).toBeUndefined();
  });

  it("Node 20's headers under /usr are not used for Node 24 (the addon would not self-register)", () => {
    fakeHeaders(path.join(root, 'usr'), 'v20.20.2');
    fakeHeaders(path.join(root, 'node24'), 'v24.21.0');
    const candidates = [path.join(root, 'usr'), path.join(root, 'node24')];
    expect(runningNodeHeaders('v24.21.0', candidates)).toBe(path.join(root, 'node24'));
    expect(runningNodeHeaders('v20.20.2', candidates)).toBe(path.join(root, 'usr'));
    expect(runningNodeHeaders('v26.0.0', candidates)).toBeUndefined();
  });

  it('finds the headers the npm package `node` carries in its platform package', () => {
    const bin = path.join(root, 'node_modules', 'node', 'bin');
    fs.mkdirSync(bin, { recursive: true });
    fs.copyFileSync(process.execPath, path.join(bin, 'node'));
    const platformPackage = path.join(
      root,
      'node_modules',
      'node',
      'node_modules',
      `node-${process.platform}-${process.arch}`,
    );
    fakeHeaders(platformPackage, 'v24.21.0');
    const candidates = headerCandidates(path.join(bin, 'node'));
    expect(runningNodeHeaders('v24.21.0', candidates)).toBe(
      path.join(bin, '..', 'node_modules', path.basename(platformPackage)),
    );
  });

  it('the running Node has headers on this machine, and both compiled addons load on it', () => {
    expect(runningNodeHeaders()).toBeDefined();
    for (const name of ['@riaskov/mmap-io', 'zstd-napi']) {
      const probe = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(name)})`], {
        encoding: 'utf8',
      });
      expect(probe.stderr).toBe('');
      expect(probe.status).toBe(0);
    }
  });
});
