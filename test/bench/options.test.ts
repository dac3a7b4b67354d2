import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OptionsError, parseOptions } from '../../bench/e2e/options.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeTempDir));

/** A directory that looks like a Kiln checkout with its dependencies, as --baseline wants one. */
function fakeCheckout(parts: { node_modules?: boolean; server?: boolean } = {}): string {
  const dir = makeTempDir('kiln-baseline-');
  fs.writeFileSync(path.join(dir, 'tsconfig.build.json'), '{}');
  if (parts.server !== false) {
    fs.mkdirSync(path.join(dir, 'server'));
    fs.writeFileSync(path.join(dir, 'server', 'main.ts'), '');
  }
  if (parts.node_modules !== false)
    fs.mkdirSync(path.join(dir, 'node_modules', 'typescript'), { recursive: true });
  dirs.push(dir);
  return dir;
}

describe('bench:e2e options', () => {
  it('defaults to the full matrix with a latency run and no profiling', () => {
    const o = parseOptions([], '/repo');
    expect(o).toMatchObject({ quick: false, scale: 1, latency: true, latencySeconds: 10, cpuProf: false });
    expect(o.outDir).toBe('/repo/bench/results');
    expect(o).toMatchObject({ baseline: null, rounds: 1, cluster: true });
    expect(parseOptions(['--no-cluster'], '/repo')).toMatchObject({ cluster: false });
    expect(o).toMatchObject({ reassign: true, reassignThrottleMbPerSec: 10, reassignProduceRate: 1000 });
  });

  it('takes --no-reassign, --reassign-throttle and --reassign-produce-rate', () => {
    expect(parseOptions(['--no-reassign'], '/repo')).toMatchObject({ reassign: false, cluster: true });
    expect(
      parseOptions(['--reassign-throttle', '2.5', '--reassign-produce-rate', '500'], '/repo'),
    ).toMatchObject({ reassign: true, reassignThrottleMbPerSec: 2.5, reassignProduceRate: 500 });
  });

  it('refuses a bad throttle or produce rate, and a produce the throttled copy cannot catch up with', () => {
    for (const bad of ['0', '-5', 'x', 'Infinity']) {
      expect(() => parseOptions([`--reassign-throttle=${bad}`], '/repo')).toThrow(OptionsError);
      expect(() => parseOptions([`--reassign-throttle=${bad}`], '/repo')).toThrow(/--reassign-throttle/);
    }
    for (const bad of ['0', '1.5', 'fast']) {
      expect(() => parseOptions([`--reassign-produce-rate=${bad}`], '/repo')).toThrow(
        /--reassign-produce-rate wants a whole number/,
      );
    }
    // 1000 records/s of 1 KiB is 1.02 MB/s: more than a 1 MB/s throttle copies.
    expect(() => parseOptions(['--reassign-throttle', '1'], '/repo')).toThrow(
      /--reassign-produce-rate: .* must stay below the throttle \(1 MB\/s\)/,
    );
  });

  it('takes --baseline DIR as an absolute path, with two rounds unless --rounds says otherwise', () => {
    const dir = fakeCheckout();
    const relative = path.relative(process.cwd(), dir);
    expect(parseOptions(['--baseline', relative], '/repo')).toMatchObject({ baseline: dir, rounds: 2 });
    expect(parseOptions(['--baseline', dir, '--rounds', '3'], '/repo')).toMatchObject({ rounds: 3 });
    expect(parseOptions(['--baseline', dir, '--rounds', '1'], '/repo')).toMatchObject({ rounds: 1 });
    // Rounds without a baseline repeat this checkout's runs.
    expect(parseOptions(['--rounds', '4'], '/repo')).toMatchObject({ baseline: null, rounds: 4 });
  });

  it('takes --metrics-cost (metrics off against on, two rounds unless --rounds says otherwise), not with --baseline', () => {
    expect(parseOptions([], '/repo')).toMatchObject({ metricsCost: false, rounds: 1 });
    expect(parseOptions(['--metrics-cost'], '/repo')).toMatchObject({
      metricsCost: true,
      rounds: 2,
      baseline: null,
    });
    expect(parseOptions(['--metrics-cost', '--rounds', '3'], '/repo')).toMatchObject({ rounds: 3 });
    expect(() => parseOptions(['--metrics-cost', '--baseline', fakeCheckout()], '/repo')).toThrow(
      /does not go with --baseline/,
    );
  });

  it('refuses a baseline that is not a runnable checkout, and a bad round count', () => {
    expect(() => parseOptions(['--baseline', '/nonexistent/kiln'], '/repo')).toThrow(/does not exist/);
    expect(() => parseOptions(['--baseline', fakeCheckout({ server: false })], '/repo')).toThrow(
      /not a Kiln checkout \(no server\/main.ts\)/,
    );
    expect(() => parseOptions(['--baseline', fakeCheckout({ node_modules: false })], '/repo')).toThrow(
      /no node_modules; link/,
    );
    for (const bad of ['0', '-1', '1.5', 'x']) {
      expect(() => parseOptions([`--rounds=${bad}`], '/repo')).toThrow(OptionsError);
      expect(() => parseOptions([`--rounds=${bad}`], '/repo')).toThrow(/--rounds/);
    }
  });

  it('takes --quick, --scale, --only, --out, --no-latency and --cpu-prof', () => {
    const o = parseOptions(
      ['--quick', '--scale', '0.5', '--only', 'p8', '--out', '/tmp/x', '--no-latency', '--cpu-prof'],
      '/repo',
    );
    expect(o).toMatchObject({
      quick: true,
      scale: 0.5,
      only: 'p8',
      outDir: '/tmp/x',
      latency: false,
      cpuProf: true,
    });
    expect(o.latencySeconds).toBe(3);
  });

  it('refuses a bad scale, latency length or filter with a readable message', () => {
    expect(() => parseOptions(['--scale', '0'], '/repo')).toThrow(OptionsError);
    expect(() => parseOptions(['--scale', '-1'], '/repo')).toThrow(/scale/);
    expect(() => parseOptions(['--latency-seconds', 'x'], '/repo')).toThrow(/latency-seconds/);
    expect(() => parseOptions(['--only', '('], '/repo')).toThrow(/--only/);
    expect(() => parseOptions(['--bogus'], '/repo')).toThrow();
  });
});
