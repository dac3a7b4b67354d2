// Followers that stop answering, for real: three broker processes on a real ZooKeeper, a follower
// frozen with SIGSTOP (it neither fetches nor answers ZooKeeper) and thawed with SIGCONT, and a
// deposed leader that comes back holding records the new leader never had.
import { execFile, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBatch } from '../../../../engine/index.js';
import { Connection } from '../../../../server/client/connection.js';
import { CreateTopicsApi } from '../../../../server/protocol/apis/create-topics.js';
import { MetadataApi } from '../../../../server/protocol/apis/metadata.js';
import { ProduceApi } from '../../../../server/protocol/apis/produce.js';
import { ErrorCode } from '../../../../server/protocol/error-codes.js';
import { spawnChildBroker, type ChildBroker } from '../../../fault/child-broker.js';
import { waitForBrokers } from '../../../helpers/cluster-ready.js';
import { makeTempDir, removeTempDir } from '../../../helpers/temp-dir.js';
import { waitFor } from '../../../helpers/wait-for.js';
import { freePort, startZooKeeper, type RunningZooKeeper } from '../../../helpers/zookeeper.js';

const run = promisify(execFile);
const LAG_MS = 2000;
let zookeeper: RunningZooKeeper;
const dir = makeTempDir('kiln-follower-faults-');
const ports = new Map<number, number>();
const running = new Map<number, ChildBroker>();
const children: ChildProcess[] = [];

async function startBroker(id: number): Promise<void> {
  const spawned = spawnChildBroker(ports.get(id)!, path.join(dir, `broker-${id}`), {
    'zookeeper.connect': `${zookeeper.connect}/follower-faults`,
    'broker.id': String(id),
    'zookeeper.session.timeout.ms': '6000',
    'replica.lag.time.max.ms': String(LAG_MS),
    'replica.fetch.wait.max.ms': '200',
    'replica.fetch.backoff.ms': '200',
  });
  children.push(spawned.child);
  running.set(id, await spawned.started);
}

const bootstrap = (): string => [...ports.values()].map((p) => `127.0.0.1:${p}`).join(',');

beforeAll(async () => {
  zookeeper = await startZooKeeper();
  for (const id of [1, 2, 3]) ports.set(id, await freePort());
  await Promise.all([1, 2, 3].map((id) => startBroker(id)));
  await waitForBrokers([...ports.values()]);
}, 60_000);

afterAll(async () => {
  for (const child of children) {
    child.kill('SIGCONT');
    child.kill('SIGKILL');
  }
  await zookeeper?.stop();
  removeTempDir(dir);
});

async function connect(id: number): Promise<Connection> {
  return Connection.open('127.0.0.1', ports.get(id)!, 'follower-faults');
}

async function partition0(
  topic: string,
  via: number,
): Promise<{ leader: number; isr: number[]; epoch: number }> {
  const c = await connect(via);
  try {
    const answer = await c.request(MetadataApi, {
      topics: [{ name: topic, topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }],
      allowAutoTopicCreation: false,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    });
    const p = answer.topics[0]!.partitions[0]!;
    return { leader: p.leaderId, isr: [...p.isrNodes].sort(), epoch: p.leaderEpoch };
  } finally {
    c.close();
  }
}

async function createTopic(name: string, configs: Record<string, string>): Promise<void> {
  const c = await connect(1);
  try {
    const answer = await c.request(CreateTopicsApi, {
      topics: [
        {
          name,
          numPartitions: -1,
          replicationFactor: -1,
          assignments: [{ partitionIndex: 0, brokerIds: [1, 2, 3] }],
          configs: Object.entries(configs).map(([name, value]) => ({ name, value })),
        },
      ],
      timeoutMs: 10_000,
      validateOnly: false,
    });
    expect(answer.topics[0]!.errorCode).toBe(ErrorCode.NONE);
  } finally {
    c.close();
  }
  await waitFor(async () => (await partition0(name, 1)).isr.length === 3, {
    timeoutMs: 20_000,
    intervalMs: 100,
  });
}

async function produce(c: Connection, topic: string, value: string, acks: number): Promise<number> {
  const answer = await c.request(ProduceApi, {
    transactionalId: null,
    acks,
    timeoutMs: 30_000,
    topicData: [
      {
        name: topic,
        partitionData: [{ index: 0, records: buildBatch({ records: [{ value: Buffer.from(value) }] }) }],
      },
    ],
  });
  return answer.responses[0]!.partitionResponses[0]!.errorCode;
}

async function readAll(topic: string): Promise<string[]> {
  const { stdout } = await run('kcat', ['-b', bootstrap(), '-C', '-t', topic, '-e', '-q', '-f', '%s\\n'], {
    timeout: 60_000,
  });
  return stdout.trim().split('\n').filter(Boolean);
}

describe('followers that stop', () => {
  it(
    "a SIGSTOPped follower leaves the ISR and writes go on; after SIGCONT it catches up and rejoins; with two stopped acks=all gets NOT_ENOUGH_REPLICAS (logged with the leader's view) and nothing is lost",
    { timeout: 120_000 },
    async () => {
      await createTopic('frozen', { 'min.insync.replicas': '2' });
      expect((await partition0('frozen', 1)).leader).toBe(1);
      const c = await connect(1);
      const acked: string[] = [];
      try {
        for (let i = 0; i < 5; i++) if ((await produce(c, 'frozen', `a${i}`, -1)) === 0) acked.push(`a${i}`);
        expect(acked).toHaveLength(5);
        running.get(3)!.child.kill('SIGSTOP');
        // Writes go on: acks=all waits for the ISR to lose broker 3, then succeeds.
        for (let i = 0; i < 5; i++) expect(await produce(c, 'frozen', `b${i}`, -1)).toBe(ErrorCode.NONE);
        acked.push(...Array.from({ length: 5 }, (_, i) => `b${i}`));
        await waitFor(async () => (await partition0('frozen', 1)).isr.join() === '1,2', {
          timeoutMs: 4 * LAG_MS,
          intervalMs: 50,
          what: 'broker 3 to leave the ISR',
        });
        running.get(3)!.child.kill('SIGCONT');
        await waitFor(async () => (await partition0('frozen', 1)).isr.join() === '1,2,3', {
          timeoutMs: 30_000,
          intervalMs: 100,
          what: 'broker 3 to rejoin the ISR',
        });

        // Two followers frozen: below min.insync.replicas once they are out of the ISR.
        running.get(2)!.child.kill('SIGSTOP');
        running.get(3)!.child.kill('SIGSTOP');
        await waitFor(async () => (await partition0('frozen', 1)).isr.join() === '1', {
          timeoutMs: 20_000,
          intervalMs: 100,
          what: 'the ISR to shrink to the leader',
        });
        expect(await produce(c, 'frozen', 'refused', -1)).toBe(ErrorCode.NOT_ENOUGH_REPLICAS);
        // The leader's log says why: the ISR it is down to, and how far each follower got.
        await waitFor(
          () => running.get(1)!.output().includes('produce to frozen-0 refused: NOT_ENOUGH_REPLICAS;'),
          {
            timeoutMs: 5000,
            what: "the refusal in broker 1's log",
          },
        );
        const line = running
          .get(1)!
          .output()
          .split('\n')
          .find((l) => l.includes('produce to frozen-0 refused: NOT_ENOUGH_REPLICAS;'))!;
        expect(line).toMatch(
          /leader at epoch \d+: high watermark 10, log end 10, ISR \[1\]; follower 2 \(not in the ISR\) at \d+, fetched [\d.]+ s ago, caught up [\d.]+ s ago; follower 3 \(not in the ISR\)/,
        );
        // acks=1 still writes (Kafka's rule: min.insync.replicas binds acks=all only).
        expect(await produce(c, 'frozen', 'c0', 1)).toBe(ErrorCode.NONE);
        acked.push('c0');
        running.get(2)!.child.kill('SIGCONT');
        running.get(3)!.child.kill('SIGCONT');
        await waitFor(async () => (await partition0('frozen', 1)).isr.length === 3, {
          timeoutMs: 30_000,
          intervalMs: 100,
          what: 'both to rejoin',
        });
        expect(await produce(c, 'frozen', 'd0', -1)).toBe(ErrorCode.NONE);
        acked.push('d0');
      } finally {
        c.close();
      }
      expect(await readAll('frozen')).toEqual(acked);
    },
  );

  it(
    'a deposed leader that comes back truncates what the new leader never had, and copies what it has',
    { timeout: 120_000 },
    async () => {
      await createTopic('deposed', { 'min.insync.replicas': '1', 'unclean.leader.election.enable': 'true' });
      const c1 = await connect(1);
      try {
        expect(await produce(c1, 'deposed', 'shared', -1)).toBe(ErrorCode.NONE);
        // The followers freeze; once they are out of the ISR the leader writes alone.
        running.get(2)!.child.kill('SIGSTOP');
        running.get(3)!.child.kill('SIGSTOP');
        await waitFor(async () => (await partition0('deposed', 1)).isr.join() === '1', {
          timeoutMs: 20_000,
          intervalMs: 100,
        });
        for (let i = 0; i < 3; i++) expect(await produce(c1, 'deposed', `lost${i}`, 1)).toBe(ErrorCode.NONE);
      } finally {
        c1.close();
      }
      // Now the leader freezes and the followers wake: with no ISR member alive, unclean leader
      // election (enabled for this topic) makes one of them the leader, at a new epoch.
      running.get(1)!.child.kill('SIGSTOP');
      running.get(2)!.child.kill('SIGCONT');
      running.get(3)!.child.kill('SIGCONT');
      await waitFor(
        async () => {
          const state = await partition0('deposed', 2).catch(() => undefined);
          return state !== undefined && state.leader !== 1 && state.leader >= 0;
        },
        { timeoutMs: 30_000, intervalMs: 200, what: 'a new leader' },
      );
      const { leader } = await partition0('deposed', 2);
      const c = await connect(leader);
      try {
        expect(await produce(c, 'deposed', 'after', 1)).toBe(ErrorCode.NONE);
      } finally {
        c.close();
      }
      // The deposed leader comes back: it must drop lost0..2 (never on the new leader) and copy
      // what the new leader has.
      running.get(1)!.child.kill('SIGCONT');
      await waitFor(async () => (await partition0('deposed', leader)).isr.length === 3, {
        timeoutMs: 30_000,
        intervalMs: 200,
        what: 'the deposed leader to rejoin',
      });
      expect(running.get(1)!.output()).toMatch(/deposed-0: truncated from 4 to 1/);
      // Make it the leader again (the current one dies; it is first in the assignment): what it
      // serves must be exactly the new leader's records.
      running.get(leader)!.child.kill('SIGKILL');
      await waitFor(async () => (await partition0('deposed', 1)).leader === 1, {
        timeoutMs: 30_000,
        intervalMs: 200,
        what: 'broker 1 to lead again',
      });
      expect(await readAll('deposed')).toEqual(['shared', 'after']);
    },
  );
});
