// The catch-up line of a moving partition: sizes of the new replicas against the leader's, a
// replica not started, a broker that does not answer.
import { describe, expect, it } from 'vitest';
import { formatBytes } from '../../../tools/client/cli.js';
import { catchUpLines } from '../../../tools/reassign/catch-up.js';
import { FakeCluster } from './fake-cluster.js';

describe('formatBytes', () => {
  it('prints bytes, then binary units with one decimal', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(5 * 1024 ** 3)).toBe('5.0 GiB');
  });
});

describe('catchUpLines', () => {
  const move = { topic: 't', partition: 0, replicas: [3, 4, 1], adding: [3, 4], removing: [1] };

  it('compares each new replica with the leader', async () => {
    const c = new FakeCluster([]);
    c.dirs.set('1/t-0', { dir: '/d', size: 900 });
    c.dirs.set('3/t-0', { dir: '/d', size: 950 });
    const lines = await catchUpLines(c, [{ move, leader: 1 }]);
    // A new replica may be a little larger than its leader (segments roll apart): capped at 100%.
    expect(lines.get('t-0')).toBe(
      't-0: leader 1 has 900 B up to offset 1000; replica 3 has 950 B (100%); replica 4 has not started',
    );
  });

  it('a broker that cannot be asked leaves its numbers unknown, and no leader is said', async () => {
    const c = new FakeCluster([]);
    c.down.add(4);
    c.dirs.set('3/t-0', { dir: '/d', size: 10 });
    const lines = await catchUpLines(c, [{ move, leader: -1 }]);
    expect(lines.get('t-0')).toBe(
      't-0: no leader; replica 3 has 10 B; replica 4 unknown (broker 4 did not answer)',
    );
  });
});
