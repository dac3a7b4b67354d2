// Replicas placed in named log dirs: which ones a plan names, and how --verify describes each.
import { describe, expect, it } from 'vitest';
import { logDirLine, logDirMovesOf, logDirStates } from '../../../tools/reassign/log-dir-moves.js';
import { parsePlan } from '../../../tools/reassign/plan.js';
import { FakeCluster } from './fake-cluster.js';

describe('log dir moves', () => {
  const plan = parsePlan(
    {
      partitions: [
        {
          topic: 't',
          partition: 0,
          replicas: [1, 2, 3, 4],
          log_dirs: ['/data/b', 'any', '/data/b', '/data/b'],
        },
      ],
    },
    'p.json',
  );

  it('are the replicas whose log dir is not "any"', () => {
    expect(logDirMovesOf(plan).map((m) => m.broker)).toEqual([1, 3, 4]);
  });

  it('are described: elsewhere and not moving, moving elsewhere, or missing', async () => {
    const c = new FakeCluster([]);
    c.dirs.set('1/t-0', { dir: '/data/a', size: 1 });
    c.dirs.set('3/t-0', { dir: '/data/a', size: 1, future: '/data/c' });
    const lines = (await logDirStates(c, logDirMovesOf(plan))).map(logDirLine);
    expect(lines).toEqual([
      'Replica t-0 on broker 1 is in /data/a, not /data/b, and is not being moved.',
      'Replica t-0 on broker 3 is being moved to /data/c instead of /data/b.',
      "Replica t-0 on broker 4 is in none of the broker's live log dirs (wanted in /data/b).",
    ]);
  });
});
