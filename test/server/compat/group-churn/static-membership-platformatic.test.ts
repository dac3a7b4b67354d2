import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { sleep, spawnChild, startProducerPump, useChurnBroker, waitFor } from './churn-fixture.js';

/**
 * Static membership (KIP-345) with @platformatic/kafka 1.35, which sends group.instance.id and
 * JoinGroup v9: three static members on a six-partition topic; one process is killed (no
 * LeaveGroup, as a crash or a restart) and started again with the same instance id. It must get
 * back exactly its partitions while the others see no rebalance, whether it was a follower or
 * the leader (a restarted leader is told it leads with skipAssignment, which this client ignores:
 * the assignment it sends to the Stable group is not used).
 */
const script = fileURLToPath(new URL('./platformatic-static-member.ts', import.meta.url));
const root = fileURLToPath(new URL('../../../../', import.meta.url));
interface GroupEvent {
  ev: 'join' | 'rejoin';
  partitions?: number[];
  leader?: boolean;
  t: number;
}

/** One member process; `events` are its joins and rebalance notices, `seen` what it read. */
class StaticMember {
  readonly child: ChildProcessWithoutNullStreams;
  readonly events: GroupEvent[] = [];
  readonly seen = new Set<string>();
  exited = false;
  constructor(
    bootstrap: string,
    group: string,
    topic: string,
    readonly instance: string,
  ) {
    this.child = spawnChild(
      process.execPath,
      ['--import', 'tsx', script, bootstrap, group, topic, instance, '30000'],
      { cwd: root },
    );
    this.child.on('exit', () => (this.exited = true));
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      const ev = JSON.parse(line) as GroupEvent | { ev: 'msgs'; values: string[] };
      if (ev.ev === 'msgs') for (const v of ev.values) this.seen.add(v);
      else this.events.push(ev);
    });
  }
  partitions(): number[] {
    return this.events.filter((e) => e.ev === 'join').at(-1)?.partitions ?? [];
  }
  leads(): boolean {
    return this.events.filter((e) => e.ev === 'join').at(-1)?.leader ?? false;
  }
  async kill(): Promise<void> {
    this.child.kill('SIGKILL');
    await waitFor(() => this.exited, `${this.instance} to exit`);
  }
}

describe('static membership with @platformatic/kafka', () => {
  const churn = useChurnBroker('static-pt');

  async function restart(pick: 'follower' | 'leader'): Promise<void> {
    const topic = `pt-static-${pick}`;
    const group = `${topic}-group`;
    await churn.createTopics({ [topic]: 6 });
    const pump = startProducerPump(
      churn.producer,
      { [topic]: 6 },
      { entry: (_, p, value) => `${p}/${value}` },
    );
    const { produced } = pump;
    const members: StaticMember[] = [];
    const start = (instance: string): StaticMember => {
      const m = new StaticMember(churn.kiln.bootstrap, group, topic, instance);
      members.push(m);
      return m;
    };
    const allRead = async (what: string): Promise<void> => {
      const upTo = produced.length;
      await waitFor(
        () => produced.slice(0, upTo).every((v) => members.some((m) => m.seen.has(v))),
        `every record to be read (${what})`,
      );
    };
    try {
      const trio = [start(`${pick}-a`), start(`${pick}-b`), start(`${pick}-c`)];
      await waitFor(
        () =>
          trio.every((m) => m.partitions().length === 2) &&
          new Set(trio.flatMap((m) => m.partitions())).size === 6,
        'three static members with two partitions each',
      );
      // Stable: no event anywhere for 3 s.
      let count = 0;
      let quietSince = Date.now();
      await waitFor(() => {
        const now = trio.reduce((n, m) => n + m.events.length, 0);
        if (now !== count) [count, quietSince] = [now, Date.now()];
        return Date.now() - quietSince > 3000;
      }, 'the group to be stable for 3 s');
      const leaders = trio.filter((m) => m.leads());
      expect(leaders, 'one member was told it leads').toHaveLength(1);
      const target = pick === 'leader' ? leaders[0]! : trio.find((m) => !m.leads())!;
      const others = trio.filter((m) => m !== target);
      const before = target.partitions();
      const eventsBefore = others.map((m) => m.events.length);
      await allRead('before the restart');
      await target.kill();
      const again = start(target.instance);
      await waitFor(() => again.partitions().length > 0, `restarted ${pick} to get partitions`, 45_000);
      // Several heartbeat intervals (500 ms): a rebalance, had one started, would show by now.
      await sleep(4000);
      expect(again.partitions(), 'the restarted member gets back exactly its partitions').toEqual(before);
      expect(
        others.map((m, i) => m.events.slice(eventsBefore[i]!)),
        'the other members see no rejoin and no new join',
      ).toEqual([[], []]);
      if (pick === 'leader') expect(again.leads(), 'a restarted leader is told it leads (v9)').toBe(true);
      await allRead('after the restart');
    } finally {
      await pump.stop().catch(() => undefined);
      for (const m of members) m.child.kill('SIGKILL');
    }
  }

  it('a restarted static follower gets its partitions back without a rebalance', { timeout: 150_000 }, () =>
    restart('follower'),
  );

  it('a restarted static leader gets its partitions back without a rebalance', { timeout: 150_000 }, () =>
    restart('leader'),
  );
});
