// The /proc parsers against sample text, and one live read of this process.
import { describe, expect, it } from 'vitest';
import {
  MemorySampler,
  catchesSignal,
  clockTicksPerSecond,
  cpuSeconds,
  mainThreadCpuSeconds,
  parseProcStat,
  parseProcStatus,
} from '../../bench/e2e/process-stats.js';

// A node process's stat line, and one whose command name holds spaces and parentheses.
const STAT =
  '7020 (node) S 6988 6988 6145 0 -1 4194560 181338 0 0 0 1245 387 12 5 20 0 11 0 71200 35339845632 195000 18446744073709551615 1 1 0 0 0 0 0 4096 134234626 0 0 0 17 1 0 0 0 0 0';
const ODD_STAT =
  '42 (my (odd) prog) R 1 42 42 0 -1 4194304 101 0 0 0 7 3 100 200 20 0 1 0 71889 3133440 409 18446744073709551615';

const STATUS = `Name:\tnode
Umask:\t0022
State:\tS (sleeping)
VmPeak:\t34511568 kB
VmHWM:\t  798280 kB
VmRSS:\t  512000 kB
RssAnon:\t  120000 kB
RssFile:\t  390000 kB
RssShmem:\t    2000 kB
SigQ:\t0/95000
SigPnd:\t0000000000000000
SigBlk:\t0000000000000000
SigIgn:\t0000000001001000
SigCgt:\t0000000100004e02
`;

describe('/proc/<pid>/stat', () => {
  it('reads utime, stime, cutime and cstime', () => {
    expect(parseProcStat(STAT)).toEqual({
      state: 'S',
      utimeTicks: 1245,
      stimeTicks: 387,
      cutimeTicks: 12,
      cstimeTicks: 5,
    });
  });

  it('counts fields from the last parenthesis', () => {
    expect(parseProcStat(ODD_STAT)).toMatchObject({
      state: 'R',
      utimeTicks: 7,
      stimeTicks: 3,
      cutimeTicks: 100,
    });
  });

  it('refuses text that is not a stat line', () => {
    expect(() => parseProcStat('hello')).toThrow();
    expect(() => parseProcStat('1 (x) S 1 2')).toThrow(/field 14/);
  });
});

describe('/proc/<pid>/status', () => {
  it('reads the memory lines as bytes and the caught-signal mask', () => {
    const s = parseProcStatus(STATUS);
    expect(s).toMatchObject({
      vmHwm: 798280 * 1024,
      vmRss: 512000 * 1024,
      rssAnon: 120000 * 1024,
      rssFile: 390000 * 1024,
    });
    // 0x4e02 has bit 11 set: SIGUSR2 (12) is handled; SIGUSR1 (10) is bit 9, also set; SIGHUP not.
    expect(catchesSignal(s, 12)).toBe(true);
    expect(catchesSignal(s, 10)).toBe(true);
    expect(catchesSignal(s, 1)).toBe(false);
  });

  it('leaves missing fields null', () => {
    const s = parseProcStatus('Name:\tkthreadd\nState:\tS (sleeping)\n');
    expect(s).toEqual({ vmRss: null, vmHwm: null, rssAnon: null, rssFile: null, sigCgt: null });
    expect(catchesSignal(s, 12)).toBe(false);
  });
});

describe('live /proc', () => {
  it('reads this process', () => {
    expect(clockTicksPerSecond()).toBeGreaterThan(0);
    expect(cpuSeconds(process.pid)).toBeGreaterThan(0);
    // The main thread's share: some, and never more than the whole process's.
    const main = mainThreadCpuSeconds(process.pid);
    expect(main).toBeGreaterThan(0);
    expect(main).toBeLessThanOrEqual(cpuSeconds(process.pid)!);
    const sampler = new MemorySampler(process.pid, 10).start();
    const peaks = sampler.stop();
    expect(peaks.samples).toBeGreaterThanOrEqual(2);
    expect(peaks.vmRss).toBeGreaterThan(1e6);
    expect(peaks.rssAnon).toBeGreaterThan(0);
  });

  it('gives null for a process that is gone', () => {
    expect(cpuSeconds(2 ** 22 + 1)).toBeNull();
    expect(mainThreadCpuSeconds(2 ** 22 + 1)).toBeNull();
  });
});
