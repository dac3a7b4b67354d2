import { describe, expect, it } from 'vitest';
import { RdMember, startProducerPump, useChurnBroker, waitFor } from './churn-fixture.js';

/**
 * Cooperative-sticky (KIP-429) with librdkafka 2.0.2: with cooperative rebalancing the callbacks
 * carry only the delta. Two members on six partitions; a third joins and takes some partitions
 * from the first two, which revoke only those and keep the rest throughout; then the third leaves
 * and the first two gain its partitions without revoking any of theirs. Every record is read.
 */
/** The sizes of a member's assignment after each of its callbacks from index `from`, starting at `size`. */
function sizesAfter(m: RdMember, from: number, initial: string[]): number[] {
  const owned = new Set(initial);
  return m.callbacks.slice(from).map((c) => {
    for (const [t, p] of c.partitions) {
      if (c.ev === 'assign') owned.add(`${t}/${p}`);
      else owned.delete(`${t}/${p}`);
    }
    return owned.size;
  });
}

describe('cooperative-sticky rebalancing with librdkafka', () => {
  const churn = useChurnBroker('coop');

  it(
    'moves only the partitions that must move when a member joins and when one leaves',
    { timeout: 180_000 },
    async () => {
      const topic = 'coop-six';
      await churn.createTopics({ [topic]: 6 });
      const pump = startProducerPump(churn.producer, { [topic]: 6 }, { ignoreErrors: true });
      const { produced } = pump;
      const members: RdMember[] = [];
      const start = (name: string): RdMember => {
        const m = new RdMember(churn.kiln.bootstrap, 'coop-group', [topic], name, {
          strategy: 'cooperative-sticky',
        });
        members.push(m);
        return m;
      };
      const stable = async (group: RdMember[], sizes: number[], what: string): Promise<void> => {
        await waitFor(
          () =>
            group.every((m, i) => m.owned.size === sizes[i]) &&
            new Set(group.flatMap((m) => m.partitions())).size === 6,
          what,
        ).catch((e: Error) => {
          throw new Error(
            `${e.message} (owned: ${group.map((m) => `${m.name}=[${m.partitions().join(' ')}]`).join(' ')})`,
          );
        });
        let quiet = Date.now();
        let count = group.reduce((n, m) => n + m.callbacks.length, 0);
        await waitFor(() => {
          const now = group.reduce((n, m) => n + m.callbacks.length, 0);
          if (now !== count) [count, quiet] = [now, Date.now()];
          return Date.now() - quiet > 3000;
        }, `${what}: no callback for 3 s`);
      };
      const allRead = async (what: string): Promise<void> => {
        const upTo = produced.length;
        await waitFor(
          () => produced.slice(0, upTo).every((v) => members.some((m) => m.seen.has(v))),
          `every record to be read (${what})`,
        );
      };
      try {
        const first = [start('coop-0'), start('coop-1')];
        await stable(first, [3, 3], 'two members with three partitions each');
        await allRead('two members');
        const before = first.map((m) => m.partitions());
        const marks = first.map((m) => m.callbacks.length);

        const third = start('coop-2');
        const joinedAt = Date.now();
        const trio = [...first, third];
        await stable(trio, [2, 2, 2], 'three members with two partitions each');
        console.log(`[coop] join: settled ${Date.now() - joinedAt - 3000} ms after the third member started`);
        first.forEach((m, i) => {
          const since = m.callbacks.slice(marks[i]);
          const revoked = since
            .filter((c) => c.ev === 'revoke')
            .flatMap((c) => c.partitions.map(([t, p]) => `${t}/${p}`));
          expect(
            since.filter((c) => c.ev === 'lost'),
            `${m.name} loses nothing`,
          ).toEqual([]);
          expect(
            m.partitions().every((p) => before[i]!.includes(p)),
            `${m.name} keeps a subset of its own`,
          ).toBe(true);
          expect(revoked.sort(), `${m.name} revokes exactly the moved partitions`).toEqual(
            before[i]!.filter((p) => !m.owned.has(p)),
          );
          expect(
            Math.min(...sizesAfter(m, marks[i]!, before[i]!)),
            `${m.name} never has no partition`,
          ).toBeGreaterThan(0);
        });
        expect(
          third.callbacks.every((c) => c.ev === 'assign'),
          'the newcomer only gains',
        ).toBe(true);
        await allRead('three members');

        const kept = first.map((m) => m.partitions());
        const leaving = third.partitions();
        const marks2 = first.map((m) => m.callbacks.length);
        const leftAt = Date.now();
        await third.close();
        await stable(first, [3, 3], 'the two survivors with three partitions each');
        console.log(`[coop] leave: settled ${Date.now() - leftAt - 3000} ms after the close`);
        first.forEach((m, i) => {
          const since = m.callbacks.slice(marks2[i]);
          expect(
            since.filter((c) => c.ev !== 'assign'),
            `${m.name} revokes nothing when a member leaves`,
          ).toEqual([]);
          expect(
            kept[i]!.every((p) => m.owned.has(p)),
            `${m.name} keeps its partitions`,
          ).toBe(true);
        });
        expect(
          leaving.every((p) => first.some((m) => m.owned.has(p))),
          "the leaver's partitions move",
        ).toBe(true);
        await pump.stop();
        await allRead('at the end');
      } finally {
        await pump.stop();
      }
    },
  );
});
