import { describe, expect, it } from 'vitest';
import { OptionsError, parseOptions } from '../../bench/e2e/options.js';

describe('bench:e2e options', () => {
  it('defaults to the full matrix with a latency run and no profiling', () => {
    const o = parseOptions([], '/repo');
    expect(o).toMatchObject({ quick: false, scale: 1, latency: true, latencySeconds: 10, cpuProf: false });
    expect(o.outDir).toBe('/repo/bench/results');
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
