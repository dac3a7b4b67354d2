// `kiln reassign --verify` against a fake cluster: each partition completed, in progress (with its
// catch-up line) or failed; the throttle removed only when nothing moves any more; exit codes as
// Kafka's tool (0), and --wait's (0 done, 1 failed or timed out).
import { describe, expect, it } from 'vitest';
import { parsePlan } from '../../../tools/reassign/plan.js';
import { FOLLOWER_RATE, LEADER_RATE, LEADER_REPLICAS } from '../../../tools/reassign/throttles.js';
import { verify } from '../../../tools/reassign/verify.js';
import { FakeCluster, captured } from './fake-cluster.js';

const plan = (partitions: object[]) => parsePlan({ version: 1, partitions }, 'plan.json');
const once = { preserveThrottles: false, wait: false, timeoutMs: undefined, intervalMs: 1000 };
const movePlan = plan([
  { topic: 't', partition: 0, replicas: [2, 3] },
  { topic: 't', partition: 1, replicas: [3, 1] },
]);

function moving(): FakeCluster {
  const cluster = new FakeCluster([1, 2, 3].map((id) => ({ id, rack: null }))).topic('t', [
    [1, 2],
    [2, 1],
    [1, 3],
  ]);
  void cluster.alterReassignments(
    movePlan.map((p) => ({ topic: p.topic, partition: p.partition, replicas: p.replicas })),
  );
  cluster.configs.set(
    'broker:1',
    new Map([
      [LEADER_RATE, '100'],
      [FOLLOWER_RATE, '100'],
    ]),
  );
  cluster.configs.set('topic:t', new Map([[LEADER_REPLICAS, '0:1,0:2']]));
  return cluster;
}

describe('verify', () => {
  it('reports partitions in progress with how far their new replicas are, and keeps the throttle', async () => {
    const cluster = moving();
    cluster.dirs.set('1/t-0', { dir: '/data/a', size: 4 * 1024 * 1024 });
    cluster.dirs.set('3/t-0', { dir: '/data/a', size: 1024 * 1024 });
    const out = captured();
    expect(await verify(cluster, out, movePlan, once)).toBe(0);
    expect(out.stdout).toBe(
      'Status of partition reassignment:\n' +
        'Reassignment of partition t-0 is still in progress.\n' +
        '  t-0: leader 1 has 4.0 MiB up to offset 1000; replica 3 has 1.0 MiB (25%)\n' +
        'Reassignment of partition t-1 is still in progress.\n' +
        '  t-1: leader 2 unknown; replica 3 has not started\n',
    );
    expect(cluster.configs.get('broker:1')?.size).toBe(2);
  });

  it('once every partition is done, says so and removes the throttle', async () => {
    const cluster = moving();
    cluster.complete('t-0');
    cluster.complete('t-1');
    const out = captured();
    expect(await verify(cluster, out, movePlan, once)).toBe(0);
    expect(out.stdout).toBe(
      'Status of partition reassignment:\n' +
        'Reassignment of partition t-0 is completed.\n' +
        'Reassignment of partition t-1 is completed.\n' +
        'Removed the replication throttle rates from broker 1.\n' +
        'Removed the throttled replica lists from topic t.\n',
    );
    expect(cluster.configs.get('broker:1')?.size).toBe(0);
  });

  it('--preserve-throttles keeps them', async () => {
    const cluster = moving();
    cluster.complete('t-0');
    cluster.complete('t-1');
    const out = captured();
    await verify(cluster, out, movePlan, { ...once, preserveThrottles: true });
    expect(out.stdout).not.toContain('Removed');
    expect(cluster.configs.get('broker:1')?.size).toBe(2);
  });

  it('keeps the throttle while moves outside the plan are running', async () => {
    const cluster = moving();
    cluster.complete('t-0');
    cluster.complete('t-1');
    await cluster.alterReassignments([{ topic: 't', partition: 2, replicas: [2, 3] }]);
    const out = captured();
    await verify(cluster, out, movePlan, once);
    expect(out.stdout).toContain(
      'The replication throttle is kept: other partition reassignments are in progress (t-2).',
    );
    expect(cluster.configs.get('broker:1')?.size).toBe(2);
  });

  it('a partition that ended elsewhere (a cancelled move keeps the order of its moving list), or does not exist, failed (exit 0 all the same, as Kafka)', async () => {
    const cluster = moving();
    await cluster.alterReassignments([{ topic: 't', partition: 0, replicas: null }]);
    cluster.complete('t-1');
    const out = captured();
    const withMissing = [...movePlan, ...plan([{ topic: 't', partition: 7, replicas: [1] }])];
    expect(await verify(cluster, out, withMissing, once)).toBe(0);
    expect(out.stdout).toContain(
      'Reassignment of partition t-0 failed: replicas are [2,1], expected [2,3].\n',
    );
    expect(out.stdout).toContain('Reassignment of partition t-1 is completed.\n');
    expect(out.stdout).toContain('Reassignment of partition t-7 failed: the partition does not exist.\n');
  });

  it('--wait asks again until the plan is done, then exits 0 and removes the throttle', async () => {
    const cluster = moving();
    cluster.onSleep = () => {
      if (cluster.sleeps === 1) cluster.complete('t-0');
      if (cluster.sleeps === 2) cluster.complete('t-1');
    };
    const out = captured();
    expect(await verify(cluster, out, movePlan, { ...once, wait: true })).toBe(0);
    expect(cluster.sleeps).toBe(2);
    expect(out.stdout.match(/Status of partition reassignment:/g)).toHaveLength(3);
    expect(out.stdout.endsWith('Removed the throttled replica lists from topic t.\n')).toBe(true);
  });

  it('--wait exits 1 when a partition failed, or when --timeout passes first', async () => {
    const failing = moving();
    failing.onSleep = () => {
      void failing.alterReassignments(
        movePlan.map((p) => ({ topic: p.topic, partition: p.partition, replicas: null })),
      );
    };
    expect(await verify(failing, captured(), movePlan, { ...once, wait: true })).toBe(1);
    const stuck = moving();
    const out = captured();
    expect(await verify(stuck, out, movePlan, { ...once, wait: true, timeoutMs: 0 })).toBe(1);
    expect(out.stderr).toBe('Gave up waiting after 0 ms: the reassignment is still in progress.\n');
  });

  it('looks again at a move the controller finished before Metadata shows it, instead of calling it failed', async () => {
    const cluster = moving();
    cluster.complete('t-1');
    // The controller no longer lists t-0, but Metadata still has its moving replica list.
    cluster.moves.delete('t-0');
    cluster.onSleep = () => {
      if (cluster.sleeps === 2) cluster.partitions.get('t-0')!.replicas = [2, 3];
    };
    const out = captured();
    await verify(cluster, out, movePlan, once);
    expect(cluster.sleeps).toBe(2);
    expect(out.stdout).toContain('Reassignment of partition t-0 is completed.\n');
    // Metadata that never catches up: failed after a few looks.
    const stuck = moving();
    stuck.complete('t-1');
    stuck.moves.delete('t-0');
    const later = captured();
    await verify(stuck, later, movePlan, once);
    expect(stuck.sleeps).toBe(5);
    expect(later.stdout).toContain(
      'Reassignment of partition t-0 failed: replicas are [2,3,1], expected [2,3].\n',
    );
  });

  it('reports replicas placed in named log dirs', async () => {
    const cluster = new FakeCluster([1, 2].map((id) => ({ id, rack: null }))).topic('t', [[1, 2]]);
    cluster.dirs.set('1/t-0', { dir: '/data/b', size: 5 });
    cluster.dirs.set('2/t-0', { dir: '/data/a', size: 5, future: '/data/b' });
    const out = captured();
    const p = plan([{ topic: 't', partition: 0, replicas: [1, 2], log_dirs: ['/data/b/', '/data/b'] }]);
    await verify(cluster, out, p, once);
    expect(out.stdout).toContain(
      'Reassignment of replica t-0 on broker 1 to log dir /data/b/ is completed.\n',
    );
    expect(out.stdout).toContain(
      'Reassignment of replica t-0 on broker 2 to log dir /data/b is still in progress.\n',
    );
  });
});
