// `kiln reassign --generate` against a fake cluster: the two plans it prints, and its refusals.
import { describe, expect, it } from 'vitest';
import { generate } from '../../../tools/reassign/generate.js';
import { parsePlan } from '../../../tools/reassign/plan.js';
import { FakeCluster, captured } from './fake-cluster.js';

const cluster = () =>
  new FakeCluster([1, 2, 3, 4].map((id) => ({ id, rack: null })))
    .topic('a', [
      [1, 2],
      [2, 1],
      [1, 2],
    ])
    .topic('b', [[1]]);

describe('generate', () => {
  it('prints the current placement and a proposal on the listed brokers, both as plans', async () => {
    const out = captured();
    expect(await generate(cluster(), out, ['b', 'a'], [2, 3, 4], true)).toBe(0);
    const [currentHead, current, blank, proposedHead, proposed, end] = out.stdout.split('\n');
    expect([currentHead, blank, proposedHead, end]).toEqual([
      'Current partition replica assignment',
      '',
      'Proposed partition reassignment configuration',
      '',
    ]);
    expect(parsePlan(JSON.parse(current!), 'x').map((p) => p.replicas)).toEqual([
      [1, 2],
      [2, 1],
      [1, 2],
      [1],
    ]);
    const plan = parsePlan(JSON.parse(proposed!), 'x');
    expect(plan.map((p) => `${p.topic}-${p.partition}`)).toEqual(['a-0', 'a-1', 'a-2', 'b-0']);
    expect(plan.map((p) => p.replicas.length)).toEqual([2, 2, 2, 1]);
    for (const p of plan) for (const r of p.replicas) expect([2, 3, 4]).toContain(r);
    expect(new Set(plan.slice(0, 3).map((p) => p.replicas[0])).size).toBe(3);
    // Asked again, the same proposal.
    const again = captured();
    await generate(cluster(), again, ['a', 'b'], [4, 3, 2], true);
    expect(again.stdout).toBe(out.stdout);
  });

  it('refuses a topic that does not exist and a broker that is not in the cluster', async () => {
    await expect(generate(cluster(), captured(), ['a', 'zz'], [1, 2], true)).rejects.toThrow(
      'topic zz does not exist',
    );
    await expect(generate(cluster(), captured(), ['a'], [1, 9], true)).rejects.toThrow(
      '--broker-list names broker 9, which is not in the cluster (its brokers: 1,2,3,4)',
    );
    await expect(generate(cluster(), captured(), ['a'], [3], true)).rejects.toThrow(
      'a-0 has 2 replicas but --broker-list names only 1 broker',
    );
  });

  it('uses the racks Metadata gives, and refuses a half-racked list unless --disable-rack-aware', async () => {
    const racked = cluster();
    racked.brokers = [
      { id: 1, rack: 'x' },
      { id: 2, rack: 'x' },
      { id: 3, rack: 'y' },
      { id: 4, rack: null },
    ];
    const out = captured();
    await generate(racked, out, ['a'], [1, 2, 3], true);
    const proposed = parsePlan(JSON.parse(out.stdout.split('\n')[4]!), 'x');
    for (const p of proposed) expect(p.replicas).toContain(3);
    await expect(generate(racked, captured(), ['a'], [1, 3, 4], true)).rejects.toThrow(
      'add --disable-rack-aware',
    );
    expect(await generate(racked, captured(), ['a'], [1, 3, 4], false)).toBe(0);
  });
});
