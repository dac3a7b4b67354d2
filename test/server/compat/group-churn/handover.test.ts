import { createInterface } from 'node:readline';
import { Consumer as PlatformaticConsumer, stringDeserializers } from '@platformatic/kafka';
import type { Kafka } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { sleep, spawnChurnMember, startProducerPump, useChurnBroker, waitFor } from './churn-fixture.js';

/**
 * Two members share a 4-partition topic; one closes cleanly (LeaveGroup). The survivor must own
 * every partition and read every record within a few heartbeat intervals. Heartbeat 1 s, session
 * and rebalance timeouts 30 s: a handover that waited for a timeout would take ~30 s, so the bound
 * of 10 s tells a LeaveGroup-driven handover from a timeout-driven one. Three rounds per client.
 */
const PARTITIONS = 4;
const HANDOVER_BOUND_MS = 10_000;

interface Member {
  name: string;
  seen: Set<string>;
  owned(): number[];
  close(): Promise<void>;
  kill(): void;
}

function librdkafkaMember(bootstrap: string, group: string, topic: string, name: string): Member {
  const child = spawnChurnMember([
    bootstrap,
    group,
    topic,
    '-',
    'range',
    '30000',
    '1000',
    '30000', // max.poll.interval.ms: librdkafka's rebalance timeout
  ]);
  const seen = new Set<string>();
  const owned = new Set<number>();
  let closed = false;
  createInterface({ input: child.stdout }).on('line', (line) => {
    const ev = JSON.parse(line) as { ev: string; partitions?: [string, number][]; values?: string[] };
    if (ev.ev === 'assign') for (const [, p] of ev.partitions!) owned.add(p);
    if (ev.ev === 'revoke' || ev.ev === 'lost') for (const [, p] of ev.partitions!) owned.delete(p);
    if (ev.ev === 'msgs') for (const v of ev.values!) seen.add(v.slice(v.lastIndexOf('/') + 1));
    if (ev.ev === 'closed') closed = true;
  });
  return {
    name,
    seen,
    owned: () => [...owned].sort((a, b) => a - b),
    async close() {
      child.stdin.write('close\n');
      await waitFor(() => closed, `${name} to close`, 30_000);
    },
    kill: () => void child.kill('SIGKILL'),
  };
}

async function kafkajsMember(kafka: Kafka, group: string, topic: string, name: string): Promise<Member> {
  const consumer = kafka.consumer({
    groupId: group,
    sessionTimeout: 30_000,
    rebalanceTimeout: 30_000,
    heartbeatInterval: 1000,
  });
  const seen = new Set<string>();
  let owned: number[] = [];
  consumer.on(consumer.events.GROUP_JOIN, (event) => {
    owned = [...((event.payload.memberAssignment[topic] as number[] | undefined) ?? [])].sort();
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void seen.add(message.value!.toString()) });
  let done = false;
  return {
    name,
    seen,
    owned: () => owned,
    async close() {
      done = true;
      await consumer.disconnect();
    },
    kill: () => void (done ? undefined : consumer.disconnect().catch(() => undefined)),
  };
}

async function platformaticMember(
  bootstrap: string,
  group: string,
  topic: string,
  name: string,
): Promise<Member> {
  const consumer = new PlatformaticConsumer({
    groupId: group,
    clientId: name,
    bootstrapBrokers: [bootstrap],
    deserializers: stringDeserializers,
    sessionTimeout: 30_000,
    rebalanceTimeout: 30_000,
    heartbeatInterval: 1000,
  });
  const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: 500 });
  const seen = new Set<string>();
  stream.on('data', (message: { value: string }) => void seen.add(message.value));
  stream.on('error', () => undefined);
  let done = false;
  return {
    name,
    seen,
    owned: () =>
      (consumer.assignments ?? [])
        .filter((a) => a.topic === topic)
        .flatMap((a) => a.partitions)
        .sort((a, b) => a - b),
    async close() {
      done = true;
      await stream.close();
      await consumer.close();
    },
    kill: () => void (done ? undefined : consumer.close(true as boolean | undefined).catch(() => undefined)),
  };
}

describe('a two-member handover on a clean LeaveGroup', () => {
  const members: Member[] = [];
  const churn = useChurnBroker('churn', () => {
    for (const m of members) m.kill();
  });

  const clients: [string, (group: string, topic: string, name: string) => Promise<Member>][] = [
    ['librdkafka 2.0.2', async (g, t, n) => librdkafkaMember(churn.kiln.bootstrap, g, t, n)],
    ['kafkajs 2.2.4', (g, t, n) => kafkajsMember(churn.kafka, g, t, n)],
    ['@platformatic/kafka 1.35', (g, t, n) => platformaticMember(churn.kiln.bootstrap, g, t, n)],
  ];
  for (const [client, make] of clients) {
    it(
      `${client}: the survivor takes every partition and record within ${HANDOVER_BOUND_MS} ms`,
      { timeout: 240_000 },
      async () => {
        const slug = client.replace(/[^a-z]/g, '');
        const topic = `handover-${slug}`;
        const group = `handover-${slug}-group`;
        await churn.createTopics({ [topic]: PARTITIONS });

        // A steady trickle: one record a partition every 100 ms.
        const pump = startProducerPump(
          churn.producer,
          { [topic]: PARTITIONS },
          { value: (p, n) => `${p}:${n}`, entry: (_, __, value) => value },
        );
        const { produced } = pump;
        const allSeen = (): Set<string> => new Set(members.flatMap((m) => [...m.seen]));
        const settled = async (pair: Member[]): Promise<void> => {
          await waitFor(
            () =>
              pair.every((m) => m.owned().length > 0) &&
              pair
                .flatMap((m) => m.owned())
                .sort()
                .join() === '0,1,2,3',
            `${pair.map((m) => m.name).join(' and ')} to share the ${PARTITIONS} partitions`,
          );
          const upTo = produced.length;
          await waitFor(
            () => produced.slice(0, upTo).every((v) => members.some((m) => m.seen.has(v))),
            'records to flow',
          );
        };

        try {
          let current = [await make(group, topic, `${slug}-0`)];
          members.push(current[0]!);
          current.push(await make(group, topic, `${slug}-1`));
          members.push(current[1]!);
          const times: number[] = [];
          for (let round = 1; round <= 3; round++) {
            await settled(current);
            const [leaver, survivor] = current as [Member, Member];
            const start = Date.now();
            await leaver.close();
            const closedAt = Date.now();
            const closedAtCount = produced.length;
            await waitFor(
              () => survivor.owned().join() === '0,1,2,3',
              `round ${round}: ${survivor.name} to own every partition after ${leaver.name} left`,
              45_000,
            ).catch((e: Error) => {
              throw new Error(`${e.message} (owns ${survivor.owned().join() || 'nothing'})`);
            });
            const owningAt = Date.now();
            // Every record produced after the leaver finished closing must reach the survivor.
            await sleep(300);
            const target = produced.length;
            await waitFor(
              () => produced.slice(closedAtCount, target).every((v) => survivor.seen.has(v)),
              `round ${round}: ${survivor.name} to read the records produced after the close`,
              45_000,
            );
            const doneAt = Date.now();
            const handover = doneAt - start;
            times.push(handover);
            console.log(
              `[handover] ${client} round ${round}: close took ${closedAt - start} ms, ` +
                `survivor owned all ${PARTITIONS} partitions after ${owningAt - start} ms, ` +
                `read everything after ${handover} ms`,
            );
            expect(handover, `round ${round} handover time`).toBeLessThan(HANDOVER_BOUND_MS);
            if (round < 3) {
              const fresh = await make(group, topic, `${slug}-${round + 1}`);
              members.push(fresh);
              current = [survivor, fresh];
            }
          }
          await pump.stop();
          // The last batches were just produced: give the survivor a moment to read them.
          await waitFor(() => produced.every((v) => allSeen().has(v)), 'the last records', 10_000).catch(
            () => undefined,
          );
          const everything = allSeen();
          expect(
            produced.filter((v) => !everything.has(v)),
            'records never read',
          ).toEqual([]);
          await current[1]!.close();
          console.log(`[handover] ${client}: ${times.map((t) => `${t} ms`).join(', ')}`);
        } finally {
          await pump.stop().catch(() => undefined);
        }
      },
    );
  }
});
