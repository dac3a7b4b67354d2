// `npm run chaos` options: defaults, limits with readable errors, and the command line that runs
// the same schedule again.
import { describe, expect, it } from 'vitest';
import { FAULT_KINDS } from '../../../bench/chaos/fault-schedule.js';
import { OptionsError, parseOptions, reproduceCommand } from '../../../bench/chaos/options.js';

describe('parseOptions', () => {
  it('defaults to 3 brokers and 20 faults of every kind, with a drawn seed', () => {
    const o = parseOptions([]);
    expect(o).toMatchObject({ brokers: 3, faults: 20, durationSeconds: null, seedGiven: false, keep: false });
    expect(o.kinds).toEqual([...FAULT_KINDS]);
    expect(Number.isInteger(o.seed)).toBe(true);
  });

  it('takes a duration instead of a count, or both', () => {
    expect(parseOptions(['--duration', '60'])).toMatchObject({ faults: null, durationSeconds: 60 });
    expect(parseOptions(['--duration', '60', '--faults', '5'])).toMatchObject({
      faults: 5,
      durationSeconds: 60,
    });
  });

  it('reads every option', () => {
    const o = parseOptions([
      '--brokers',
      '5',
      '--faults',
      '100',
      '--seed',
      '42',
      '--fault-kinds',
      'pause,reassignment',
      '--topics',
      '1',
      '--partitions',
      '6',
      '--producers',
      '2',
      '--rate',
      '500',
      '--value-bytes',
      '64',
      '--session-timeout-ms',
      '4000',
      '--replica-lag-ms',
      '3000',
      '--settle-timeout',
      '60',
      '--from-commit',
      'HEAD',
      '--out',
      'r.json',
      '--keep',
    ]);
    expect(o).toMatchObject({
      brokers: 5,
      faults: 100,
      seed: 42,
      seedGiven: true,
      kinds: ['pause', 'reassignment'],
      topics: 1,
      partitions: 6,
      producers: 2,
      rate: 500,
      valueBytes: 64,
      sessionTimeoutMs: 4000,
      replicaLagMs: 3000,
      settleTimeoutSeconds: 60,
      fromCommit: 'HEAD',
      out: 'r.json',
      keep: true,
    });
  });

  it('refuses bad values with a message naming the option', () => {
    const refused = (argv: string[]): string => {
      try {
        parseOptions(argv);
      } catch (err) {
        expect(err).toBeInstanceOf(OptionsError);
        return (err as Error).message;
      }
      throw new Error(`accepted ${argv.join(' ')}`);
    };
    expect(refused(['--brokers', '4'])).toBe('--brokers must be 3 or 5, not 4');
    expect(refused(['--faults', '0'])).toMatch(/^--faults must be a whole number from 1/);
    expect(refused(['--seed', 'x1'])).toMatch(/^--seed must be a whole number/);
    expect(refused(['--rate', '1.5'])).toMatch(/^--rate must be a whole number/);
    expect(refused(['--fault-kinds', 'nap'])).toMatch(/^--fault-kinds: unknown fault kind\(s\) nap/);
    expect(refused(['--nope'])).toMatch(/nope/);
  });
});

describe('reproduceCommand', () => {
  it('names the seed and every setting that is not the default', () => {
    const o = parseOptions(['--seed', '9', '--faults', '4', '--fault-kinds', 'pause', '--rate', '300']);
    expect(reproduceCommand(o)).toBe(
      'npm run chaos -- --brokers 3 --seed 9 --faults 4 --fault-kinds pause --rate 300',
    );
    expect(parseOptions(reproduceCommand(o).split(' ').slice(4))).toEqual({ ...o });
  });
});
