// `kiln reassign --cancel` and `--list` against a fake cluster.
import { describe, expect, it } from 'vitest';
import { cancel, list } from '../../../tools/reassign/cancel-list.js';
import { parsePlan } from '../../../tools/reassign/plan.js';
import { FOLLOWER_RATE, LEADER_RATE } from '../../../tools/reassign/throttles.js';
import { FakeCluster, captured } from './fake-cluster.js';

const plan = (partitions: object[]) => parsePlan({ version: 1, partitions }, 'plan.json');
const cluster = () =>
  new FakeCluster([1, 2, 3].map((id) => ({ id, rack: null }))).topic('t', [
    [1, 2],
    [2, 3],
    [3, 1],
  ]);

describe('cancel', () => {
  it('cancels the moves in progress, reports partitions that were not moving, and removes the throttle', async () => {
    const c = cluster();
    await c.alterReassignments([{ topic: 't', partition: 0, replicas: [2, 3] }]);
    c.configs.set(
      'broker:2',
      new Map([
        [LEADER_RATE, '9'],
        [FOLLOWER_RATE, '9'],
      ]),
    );
    const out = captured();
    const p = plan([
      { topic: 't', partition: 0, replicas: [2, 3] },
      { topic: 't', partition: 1, replicas: [3, 1] },
    ]);
    expect(await cancel(c, out, p, false)).toBe(0);
    expect(c.calls).toContain('alter t-0=null t-1=null');
    expect(out.stdout).toBe(
      'Successfully cancelled partition reassignment for: t-0\n' +
        'No reassignment of partition t-1 was in progress (NO_REASSIGNMENT_IN_PROGRESS).\n' +
        'Removed the replication throttle rates from broker 2.\n',
    );
    expect(c.moves.size).toBe(0);
    expect(c.partitions.get('t-0')!.replicas).toEqual([2, 1]);
  });

  it('other errors are printed by Kafka name and exit 1', async () => {
    const out = captured();
    expect(await cancel(cluster(), out, plan([{ topic: 't', partition: 9, replicas: [1] }]), false)).toBe(1);
    expect(out.stderr).toBe(
      'Error cancelling partition reassignment:\nt-9: UNKNOWN_TOPIC_OR_PARTITION (no such partition)\n',
    );
  });

  it('keeps the throttle while other moves run, or with --preserve-throttles', async () => {
    const c = cluster();
    await c.alterReassignments([{ topic: 't', partition: 2, replicas: [1, 2] }]);
    c.configs.set('broker:2', new Map([[LEADER_RATE, '9']]));
    await cancel(c, captured(), plan([{ topic: 't', partition: 0, replicas: [2, 3] }]), false);
    expect(c.configs.get('broker:2')?.size).toBe(1);
    await c.alterReassignments([{ topic: 't', partition: 2, replicas: null }]);
    await cancel(c, captured(), plan([{ topic: 't', partition: 0, replicas: [2, 3] }]), true);
    expect(c.configs.get('broker:2')?.size).toBe(1);
  });

  it('tells a replica on its way to the plan’s log dir to stay where it is', async () => {
    const c = cluster();
    c.dirs.set('2/t-0', { dir: '/data/a', size: 1, future: '/data/b' });
    const out = captured();
    await cancel(
      c,
      out,
      plan([{ topic: 't', partition: 0, replicas: [2, 3], log_dirs: ['/data/b', 'any'] }]),
      false,
    );
    expect(c.calls).toContain('alterLogDirs 2 t-0>/data/a');
    expect(c.dirs.get('2/t-0')?.future).toBeUndefined();
    expect(out.stdout).toContain('Cancelled the move of replica t-0 on broker 2 to log dir /data/b.');
  });
});

describe('list', () => {
  it('prints every move in progress with its replicas, adding and removing', async () => {
    const c = cluster();
    const out = captured();
    await list(c, out);
    expect(out.stdout).toBe('No partition reassignments found.\n');
    await c.alterReassignments([
      { topic: 't', partition: 1, replicas: [1, 3] },
      { topic: 't', partition: 0, replicas: [2, 1, 3] },
    ]);
    const now = captured();
    expect(await list(c, now)).toBe(0);
    expect(now.stdout).toBe(
      'Current partition reassignments:\n' +
        't-0: replicas: 2,1,3. adding: 3.\n' +
        't-1: replicas: 1,3,2. adding: 1. removing: 2.\n',
    );
  });
});
