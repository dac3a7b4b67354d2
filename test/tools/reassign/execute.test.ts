// `kiln reassign --execute` against a fake cluster: what it prints, what it asks the controller
// and the brokers, and how it ends when the plan does not fit, moves are running, the throttle is
// refused or partitions are refused.
import { describe, expect, it } from 'vitest';
import { execute } from '../../../tools/reassign/execute.js';
import { InputError } from '../../../tools/reassign/json-input.js';
import { parsePlan } from '../../../tools/reassign/plan.js';
import { FOLLOWER_REPLICAS, LEADER_RATE } from '../../../tools/reassign/throttles.js';
import { FakeCluster, captured } from './fake-cluster.js';

const threeBrokers = () =>
  new FakeCluster([1, 2, 3].map((id) => ({ id, rack: null }))).topic('t', [
    [1, 2],
    [2, 1],
  ]);
const plan = (partitions: object[]) => parsePlan({ version: 1, partitions }, 'plan.json');
const options = { throttle: undefined, timeoutMs: 1000, additional: false };

describe('execute', () => {
  it('prints the current placement to save, starts the moves and names them', async () => {
    const cluster = threeBrokers();
    const out = captured();
    const code = await execute(
      cluster,
      out,
      plan([
        { topic: 't', partition: 0, replicas: [2, 3] },
        { topic: 't', partition: 1, replicas: [3, 2] },
      ]),
      options,
    );
    expect(code).toBe(0);
    expect(out.stdout).toBe(
      'Current partition replica assignment\n\n' +
        '{"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[1,2],"log_dirs":["any","any"]},' +
        '{"topic":"t","partition":1,"replicas":[2,1],"log_dirs":["any","any"]}]}\n\n' +
        'Save this to use as the --reassignment-json-file option during rollback\n' +
        'Successfully started partition reassignments for t-0,t-1\n',
    );
    expect(out.stderr).toBe('');
    expect(cluster.moves.get('t-0')).toMatchObject({ adding: [3], removing: [1] });
    expect(cluster.calls).toContain('alter t-0=2,3 t-1=3,2');
  });

  it('a plan naming unknown topics, partitions or brokers is an InputError, and nothing starts', async () => {
    const cluster = threeBrokers();
    const attempt = execute(
      cluster,
      captured(),
      plan([
        { topic: 't', partition: 4, replicas: [1] },
        { topic: 't', partition: 0, replicas: [1, 9] },
        { topic: 'x', partition: 0, replicas: [1] },
      ]),
      options,
    );
    await expect(attempt).rejects.toThrow(InputError);
    await expect(attempt).rejects.toThrow(
      'the plan does not fit the cluster:\n  t-4: no such partition (t has 2)\n  t-0: no broker 9 in the cluster (its brokers: 1,2,3)\n  x-0: topic x does not exist',
    );
    expect(cluster.calls.some((c) => c.startsWith('alter'))).toBe(false);
  });

  it('will not start while other moves run, unless --additional', async () => {
    const cluster = threeBrokers();
    await cluster.alterReassignments([{ topic: 't', partition: 1, replicas: [3, 1] }]);
    const out = captured();
    expect(await execute(cluster, out, plan([{ topic: 't', partition: 0, replicas: [2, 3] }]), options)).toBe(
      1,
    );
    expect(out.stderr).toContain(
      'Cannot execute: partition reassignments are in progress (t-1). Add --additional',
    );
    expect(cluster.moves.has('t-0')).toBe(false);
    expect(
      await execute(cluster, captured(), plan([{ topic: 't', partition: 0, replicas: [2, 3] }]), {
        ...options,
        additional: true,
      }),
    ).toBe(0);
    expect(cluster.moves.has('t-0')).toBe(true);
  });

  it('prints each refused partition with its Kafka error name and exits 1; the others start', async () => {
    const cluster = threeBrokers();
    // The fake controller refuses a partition whose replicas it does not know are alive.
    cluster.brokers = cluster.brokers.filter((b) => b.id !== 3);
    cluster.brokers.push({ id: 4, rack: null });
    const out = captured();
    const orig = cluster.cluster.bind(cluster);
    // The tool sees broker 3 (so the plan passes its checks), the controller does not.
    cluster.cluster = async (topics) => {
      const view = await orig(topics);
      view.brokers.push({ id: 3, rack: null });
      return view;
    };
    const code = await execute(
      cluster,
      out,
      plan([
        { topic: 't', partition: 0, replicas: [2, 3] },
        { topic: 't', partition: 1, replicas: [2, 4] },
      ]),
      options,
    );
    expect(code).toBe(1);
    expect(out.stdout).toContain('Successfully started partition reassignment for t-1\n');
    expect(out.stderr).toBe(
      'Error reassigning partition:\nt-0: INVALID_REPLICA_ASSIGNMENT (brokers not alive: 3)\n',
    );
  });

  it('with --throttle sets the rates and the throttled replicas before starting', async () => {
    const cluster = threeBrokers();
    const out = captured();
    expect(
      await execute(cluster, out, plan([{ topic: 't', partition: 0, replicas: [2, 3] }]), {
        ...options,
        throttle: 1024,
      }),
    ).toBe(0);
    expect(cluster.configs.get('broker:3')?.get(LEADER_RATE)).toBe('1024');
    expect(cluster.configs.get('topic:t')?.get(FOLLOWER_REPLICAS)).toBe('0:3');
    const alterAt = cluster.calls.findIndex((c) => c.startsWith('alter'));
    expect(cluster.calls.findIndex((c) => c.startsWith('configs'))).toBeLessThan(alterAt);
    expect(out.stdout).toContain('Warning: run --verify until the reassignment completes');
  });

  it('a throttle the brokers refuse is reported clearly, and the moves do not start', async () => {
    const cluster = threeBrokers();
    cluster.refused.add(LEADER_RATE);
    const out = captured();
    expect(
      await execute(cluster, out, plan([{ topic: 't', partition: 0, replicas: [2, 3] }]), {
        ...options,
        throttle: 1024,
      }),
    ).toBe(1);
    expect(out.stderr).toContain(
      'The replication throttle was refused: broker 1 refused leader.replication.throttled.rate',
    );
    expect(out.stderr).toContain('INVALID_CONFIG');
    expect(out.stderr).toContain('The reassignment was not started.');
    expect(cluster.moves.size).toBe(0);
  });

  it('places replicas in the log dirs the plan names, once their brokers hold them', async () => {
    const cluster = threeBrokers();
    cluster.dirs.set('2/t-0', { dir: '/data/a', size: 10 });
    // Broker 3 gets its new replica only after a few tries.
    cluster.onSleep = () => {
      if (cluster.sleeps === 3) cluster.dirs.set('3/t-0', { dir: '/data/a', size: 0 });
    };
    const out = captured();
    const code = await execute(
      cluster,
      out,
      plan([{ topic: 't', partition: 0, replicas: [2, 3], log_dirs: ['/data/b', '/data/c'] }]),
      options,
    );
    expect(code).toBe(0);
    expect(out.stdout).toContain('Started moving replica t-0 on broker 2 to log dir /data/b.');
    expect(out.stdout).toContain('Started moving replica t-0 on broker 3 to log dir /data/c.');
    expect(cluster.dirs.get('3/t-0')?.future).toBe('/data/c');
  });

  it('gives up placing a replica its broker never gets, after --timeout, and exits 1', async () => {
    const cluster = threeBrokers();
    const out = captured();
    const code = await execute(
      cluster,
      out,
      plan([{ topic: 't', partition: 0, replicas: [2, 3], log_dirs: ['any', '/data/c'] }]),
      { ...options, timeoutMs: 0 },
    );
    expect(code).toBe(1);
    expect(out.stderr).toContain(
      't-0 on broker 3 to /data/c: the broker does not hold the replica yet (gave up after 0 ms)',
    );
  });

  it('a log dir the broker does not have is its Kafka error', async () => {
    const cluster = threeBrokers();
    cluster.dirs.set('1/t-0', { dir: '/data/a', size: 10 });
    const out = captured();
    const code = await execute(
      cluster,
      out,
      plan([{ topic: 't', partition: 0, replicas: [1, 2], log_dirs: ['/elsewhere', 'any'] }]),
      options,
    );
    expect(code).toBe(1);
    expect(out.stderr).toContain('t-0 on broker 1 to /elsewhere: LOG_DIR_NOT_FOUND');
  });
});
