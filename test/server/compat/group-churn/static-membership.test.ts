import { describe, expect, it } from 'vitest';
import { RdMember, sleep, startProducerPump, useChurnBroker, waitFor } from './churn-fixture.js';

/**
 * Static membership (KIP-345) with librdkafka 2.0.2 (confluent-kafka-python): three members with a
 * group.instance.id on a six-partition topic. A member that restarts with the same instance id and
 * subscription gets back exactly its partitions and nobody else rebalances, whether it was a
 * follower or the leader; one that restarts with a changed subscription does too, as on Kafka; one
 * killed and never restarted loses its partitions after its session timeout, not before.
 */
describe('static membership with librdkafka', () => {
  const churn = useChurnBroker('static');

  /** Creates topics, starts a producer writing to every partition every 100 ms. */
  async function scenario(name: string, topics: Record<string, number>) {
    await churn.createTopics(topics);
    const pump = startProducerPump(churn.producer, topics, { ignoreErrors: true });
    const { produced } = pump;
    const members: RdMember[] = [];
    const start = (
      instance: string,
      subscribed = [Object.keys(topics)[0]!],
      sessionMs = 30_000,
    ): RdMember => {
      const m = new RdMember(churn.kiln.bootstrap, `${name}-group`, subscribed, instance, {
        instance,
        sessionMs,
      });
      members.push(m);
      return m;
    };
    const stop = (): Promise<void> => pump.stop();
    /** Every record produced so far was read by some member, old or new. */
    const allRead = async (what: string): Promise<void> => {
      const upTo = produced.length;
      await waitFor(
        () => produced.slice(0, upTo).every((v) => members.some((m) => m.seen.has(v))),
        `every record to be read (${what})`,
      ).catch((e: Error) => {
        const missing = produced.slice(0, upTo).filter((v) => !members.some((m) => m.seen.has(v)));
        throw new Error(`${e.message}: ${missing.length} missing, e.g. ${missing.slice(0, 5).join(' ')}`);
      });
    };
    return { produced, start, stop, allRead, members };
  }

  /** Three members, two partitions each, no callback for 3 s. Returns them in instance order. */
  async function stableTrio(start: (i: string) => RdMember, prefix: string): Promise<RdMember[]> {
    const trio = [start(`${prefix}-a`), start(`${prefix}-b`), start(`${prefix}-c`)];
    await waitFor(
      () => trio.every((m) => m.owned.size === 2) && new Set(trio.flatMap((m) => m.partitions())).size === 6,
      'three static members with two partitions each',
    );
    let quiet = Date.now();
    let count = trio.reduce((n, m) => n + m.callbacks.length, 0);
    await waitFor(() => {
      const now = trio.reduce((n, m) => n + m.callbacks.length, 0);
      if (now !== count) [count, quiet] = [now, Date.now()];
      return Date.now() - quiet > 3000;
    }, 'the group to be stable for 3 s');
    return trio;
  }

  /** The leader's instance id as the broker's coordinator holds it (internals: undefined if unreachable). */
  function brokerLeaderInstance(groupId: string): string | null | undefined {
    type Internals = {
      coordinator?: {
        group(
          id: string,
        ):
          | { leaderId: string | null; get(id: string): { groupInstanceId: string | null } | undefined }
          | undefined;
      };
    };
    try {
      const group = (churn.kiln.broker as unknown as Internals).coordinator?.group(groupId);
      return group?.leaderId ? group.get(group.leaderId)?.groupInstanceId : undefined;
    } catch {
      return undefined;
    }
  }

  /** The member elected leader most recently, i.e. the leader of the current generation. */
  const leaderOf = (trio: RdMember[]): RdMember => trio.reduce((a, b) => (b.leaderAt > a.leaderAt ? b : a));

  async function restartSame(prefix: string, pick: 'follower' | 'leader'): Promise<void> {
    const s = await scenario(prefix, { [prefix]: 6 });
    try {
      const trio = await stableTrio(s.start, prefix);
      const leader = leaderOf(trio);
      expect(leader.leaderAt, 'librdkafka logged an elected leader').toBeGreaterThan(0);
      const brokerLeader = brokerLeaderInstance(`${prefix}-group`);
      console.log(
        `[static] ${prefix}: librdkafka says ${leader.name} leads; the broker says ${brokerLeader}`,
      );
      if (brokerLeader !== undefined)
        expect(leader.name, 'the leader inferred from librdkafka').toBe(brokerLeader);
      const target = pick === 'leader' ? leader : trio.find((m) => m !== leader)!;
      const others = trio.filter((m) => m !== target);
      const before = target.partitions();
      const callbacksBefore = others.map((m) => m.callbacks.length);
      await s.allRead('before the restart');
      const t0 = Date.now();
      await target.close();
      const closedAt = Date.now();
      const readByOthers = others.map((m) => m.seen.size);
      const again = s.start(target.name);
      await waitFor(() => again.owned.size > 0, `restarted ${pick} ${target.name} to get partitions`, 45_000);
      const assignedAt = Date.now();
      console.log(
        `[static] ${pick} ${target.name} restart: close ${closedAt - t0} ms, ` +
          `partitions again ${assignedAt - closedAt} ms after the close: ${again.partitions().join(' ')} ` +
          `(had ${before.join(' ')})`,
      );
      // Give a rebalance, if the broker started one, time to show in the others' callbacks.
      await sleep(5000);
      expect(again.partitions(), 'the restarted member gets back exactly its partitions').toEqual(before);
      expect(
        others.map((m) => m.callbacks.slice(callbacksBefore[others.indexOf(m)]!)),
        'the other members see no revoke or assign callback',
      ).toEqual([[], []]);
      others.forEach((m, i) =>
        expect(m.seen.size, `${m.name} keeps consuming`).toBeGreaterThan(readByOthers[i]!),
      );
      await s.stop();
      await s.allRead('after the restart');
    } finally {
      await s.stop();
    }
  }

  it('a restarted static follower gets its partitions back without a rebalance', { timeout: 180_000 }, () =>
    restartSame('static-follower', 'follower'),
  );

  it('a restarted static leader gets its partitions back without a rebalance', { timeout: 180_000 }, () =>
    restartSame('static-leader', 'leader'),
  );

  it(
    'a static member restarted with a changed subscription keeps its partitions and starts no rebalance',
    { timeout: 180_000 },
    async () => {
      // As Kafka's coordinator: in a Stable group whose chosen protocol stays the same, a known
      // instance id rejoining is answered with its old assignment whatever its metadata says; the
      // added topic is assigned at the group's next rebalance, not by this rejoin.
      const s = await scenario('static-changed', { 'static-changed': 6 });
      await churn.createTopics({ 'static-extra': 2 });
      try {
        const trio = await stableTrio(s.start, 'static-changed');
        const target = trio.find((m) => m !== leaderOf(trio))!;
        const others = trio.filter((m) => m !== target);
        const before = target.partitions();
        const callbacksBefore = others.map((m) => m.callbacks.length);
        await s.allRead('before the restart');
        await target.close();
        const again = s.start(target.name, ['static-changed', 'static-extra']);
        await waitFor(() => again.owned.size > 0, 'the restarted member to get partitions', 45_000);
        await sleep(5000);
        expect(again.partitions(), 'the restarted member gets back exactly its partitions').toEqual(before);
        expect(
          others.map((m, i) => m.callbacks.slice(callbacksBefore[i]!)),
          'the other members see no revoke or assign callback',
        ).toEqual([[], []]);
        await s.stop();
        await s.allRead('after the restart');
      } finally {
        await s.stop();
      }
    },
  );

  it(
    'a killed static member loses its partitions after its session timeout, not before',
    { timeout: 120_000 },
    async () => {
      const s = await scenario('static-killed', { 'static-killed': 6 });
      try {
        const a = s.start('static-killed-a', undefined, 6000);
        const b = s.start('static-killed-b', undefined, 6000);
        await waitFor(
          () => a.owned.size === 3 && b.owned.size === 3,
          'two static members with three partitions each',
        );
        await sleep(3000);
        await s.allRead('before the kill');
        const callbacksBefore = b.callbacks.length;
        const killedAt = Date.now();
        a.kill();
        await waitFor(() => b.owned.size === 6, 'the survivor to own all six partitions', 30_000).catch(
          (e: Error) => {
            throw new Error(
              `${e.message} (after ${Date.now() - killedAt} ms it owns ${b.partitions().join(' ')})`,
            );
          },
        );
        const firstChange = b.callbacks[callbacksBefore]!.t - killedAt;
        const taken = Date.now() - killedAt;
        console.log(
          `[static] kill: first callback on the survivor ${firstChange} ms, all six owned ${taken} ms after`,
        );
        // The session (6 s) runs from the last heartbeat, at most one interval (1 s) before the kill.
        expect(firstChange, 'no rebalance before the session timeout').toBeGreaterThanOrEqual(4500);
        expect(taken, 'the partitions move soon after the session timeout').toBeLessThan(15_000);
        await s.stop();
        await s.allRead('after the expiry');
      } finally {
        await s.stop();
      }
    },
  );
});
