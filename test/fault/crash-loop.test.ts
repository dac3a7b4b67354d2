import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { buildBatch } from '../../engine/index.js';
import { ErrorCode } from '../../server/protocol/error-codes.js';
import type { ProtocolClient } from '../helpers/protocol-client.js';
import { seededRandom } from '../helpers/seeded-random.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import {
  connect,
  freePort,
  readAll,
  request,
  spawnChildBroker,
  startChildBroker,
  type ChildBroker,
} from './child-broker.js';

/**
 * Crash loops with a checker: a child-process broker is SIGKILLed at random moments while an
 * idempotent acks=all producer (written here on Kiln's own protocol code, so no client library's
 * retry rules hide anything) produces and a standalone consumer commits offsets. After every
 * restart the committed offset is the last one acknowledged (or the one in flight at the kill);
 * at the end record i sits at offset i for every i: nothing acknowledged is lost, nothing is
 * written twice, everything reads back in order. KILN_FAULT_LONG=1 runs many kills.
 */
const TOPIC = 'loop';
const GROUP = 'loop-group';
const LONG = Boolean(process.env.KILN_FAULT_LONG);
/** Small segments: kills land in rolls, index writes and snapshot writes too. */
const PROPERTIES = { 'offsets.topic.num.partitions': '1', 'log.segment.bytes': '262144' };
const startBroker = (port: number, dataDir: string, wrap: string[] = []): Promise<ChildBroker> =>
  startChildBroker(port, dataDir, PROPERTIES, wrap);

/** Errors a broker that is restarting may give; the same batch is sent again. */
const RETRIABLE = new Set<number>([
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.REQUEST_TIMED_OUT,
  ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
  ErrorCode.COORDINATOR_NOT_AVAILABLE,
  ErrorCode.NOT_COORDINATOR,
  ErrorCode.NOT_ENOUGH_REPLICAS,
  ErrorCode.KAFKA_STORAGE_ERROR,
]);

/** What the producers of one run share: errors and the group's commits. */
interface Shared {
  errors: string[];
  /** The last commit acknowledged. */
  committed: number;
  /** A commit sent whose answer was lost with the connection: the broker may have it. */
  pendingCommit: number | undefined;
  commitsSent: Set<number>;
}

/**
 * An idempotent acks=all producer of records `r<first>`, `r<first + 1>`, ... to partition 0, one
 * batch in flight, that sends an unacknowledged batch again with the same sequence after any
 * failure, and commits the acknowledged count as the group's offset every few batches. Each one
 * gets its own producer id, so a broker that handed an id out twice would drop its records as
 * duplicates.
 */
class Producer {
  acked: number;
  sent: number;
  batches = 0;
  private running = true;
  private client: ProtocolClient | undefined;
  readonly done: Promise<void>;

  constructor(
    private readonly bootstrap: string,
    private readonly random: () => number,
    private readonly shared: Shared,
    private readonly first: number,
  ) {
    this.acked = first;
    this.sent = first;
    this.done = this.run();
  }

  /** Stops once the batch in flight is acknowledged. */
  stop(): Promise<void> {
    this.running = false;
    return this.done;
  }

  private async run(): Promise<void> {
    let init: Record<string, unknown>;
    for (;;) {
      try {
        init = await request(await this.connection(), 22, 1, {
          transactionalId: null,
          transactionTimeoutMs: 60_000,
        });
        if (init.errorCode === ErrorCode.NONE) break;
        if (!RETRIABLE.has(init.errorCode as number)) {
          this.shared.errors.push(`InitProducerId: error ${String(init.errorCode)}`);
          return;
        }
      } catch {
        this.drop();
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const producerId = init.producerId as number;
    const producerEpoch = init.producerEpoch as number;
    while (this.running) {
      const count = 1 + Math.floor(this.random() * 50);
      const batch = buildBatch({
        producerId,
        producerEpoch,
        baseSequence: this.acked - this.first,
        records: Array.from({ length: count }, (_, i) => ({ value: `r${this.acked + i}` })),
      });
      this.sent = this.acked + count;
      // Sent again, byte for byte, until acknowledged; only a real error ends the run.
      for (;;) {
        try {
          const answer = await this.produce(batch);
          if (answer === ErrorCode.NONE) break;
          if (!RETRIABLE.has(answer)) {
            this.shared.errors.push(`produce of r${this.acked}.. by producer ${producerId}: error ${answer}`);
            return;
          }
        } catch {
          this.drop();
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      this.acked += count;
      this.batches++;
      if (this.batches % 5 === 0) await this.commit(this.acked);
    }
    this.drop();
  }

  private async produce(batch: Buffer): Promise<number> {
    const response = await request(await this.connection(), 0, 7, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 10_000,
      topicData: [{ name: TOPIC, partitionData: [{ index: 0, records: batch }] }],
    });
    const topics = response.responses as { partitionResponses: { errorCode: number }[] }[];
    return topics[0]!.partitionResponses[0]!.errorCode;
  }

  /** Commits `offset`; a commit cut short by a kill is not retried (the next one follows soon). */
  private async commit(offset: number): Promise<void> {
    this.shared.pendingCommit = offset;
    this.shared.commitsSent.add(offset);
    try {
      const response = await request(await this.connection(), 8, 2, {
        groupId: GROUP,
        generationIdOrMemberEpoch: -1,
        memberId: '',
        retentionTimeMs: -1,
        topics: [
          {
            name: TOPIC,
            partitions: [{ partitionIndex: 0, committedOffset: offset, committedMetadata: null }],
          },
        ],
      });
      const topics = response.topics as { partitions: { errorCode: number }[] }[];
      const error = topics[0]!.partitions[0]!.errorCode;
      if (error === ErrorCode.NONE) {
        this.shared.committed = offset;
        this.shared.pendingCommit = undefined;
      } else if (!RETRIABLE.has(error)) this.shared.errors.push(`commit of ${offset}: error ${error}`);
    } catch {
      this.drop(); // pendingCommit stays: the broker may or may not have stored it
    }
  }

  private async connection(): Promise<ProtocolClient> {
    this.client ??= await connect(this.bootstrap);
    return this.client;
  }

  private drop(): void {
    this.client?.close();
    this.client = undefined;
  }
}

async function committedOffset(client: ProtocolClient): Promise<number> {
  for (;;) {
    const response = await request(client, 9, 7, {
      groupId: GROUP,
      topics: [{ name: TOPIC, partitionIndexes: [0] }],
      requireStable: false,
    });
    const error = response.errorCode as number;
    if (error === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      continue;
    }
    expect(error).toBe(ErrorCode.NONE);
    const topics = response.topics as { partitions: { committedOffset: number }[] }[];
    return topics[0]?.partitions[0]?.committedOffset ?? -1;
  }
}

async function createTopic(bootstrap: string): Promise<void> {
  const admin = await connect(bootstrap);
  const created = await request(admin, 19, 4, {
    topics: [{ name: TOPIC, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
    timeoutMs: 5000,
    validateOnly: false,
  });
  admin.close();
  expect((created.topics as { errorCode: number }[])[0]!.errorCode).toBe(ErrorCode.NONE);
}

describe('a broker killed again and again', () => {
  const dirs: string[] = [];
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
    for (const dir of dirs.splice(0)) removeTempDir(dir);
  });

  const kills = LONG ? 60 : 4;
  it(
    `loses no acknowledged record and no committed offset over ${kills} SIGKILLs at random moments`,
    { timeout: 60_000 + kills * 20_000 },
    async () => {
      const seed = Number(process.env.KILN_FAULT_SEED ?? Date.now() % 100_000);
      const random = seededRandom(seed);
      const dataDir = makeTempDir('kiln-crash-loop-');
      dirs.push(dataDir);
      const port = await freePort();
      const bootstrap = `127.0.0.1:${port}`;
      let broker = await startBroker(port, dataDir);
      children.push(broker.child);
      await createTopic(bootstrap);

      const shared: Shared = { errors: [], committed: -1, pendingCommit: undefined, commitsSent: new Set() };
      let producer = new Producer(bootstrap, random, shared, 0);
      let producers = 1;
      let survived = 0;
      let killedStarting = 0;
      for (let kill = 0; kill < kills; kill++) {
        // Under load: the producer has been acknowledged since the last start.
        const ackedAtStart = producer.acked;
        while (producer.acked === ackedAtStart && shared.errors.length === 0)
          await new Promise((resolve) => setTimeout(resolve, 10));
        expect(shared.errors, `seed ${seed}`).toEqual([]);
        await new Promise((resolve) => setTimeout(resolve, random() * 1500));
        const committedBefore = shared.committed;
        broker.child.kill('SIGKILL');
        await broker.exited;
        const inFlight = shared.pendingCommit;
        if (random() < 0.3) {
          // Killed again while starting: in recovery, loading offsets, or just after.
          const starting = spawnChildBroker(port, dataDir, PROPERTIES);
          children.push(starting.child);
          await new Promise((resolve) => setTimeout(resolve, random() * 1500));
          starting.child.kill('SIGKILL');
          await starting.exited;
          killedStarting++;
        }
        broker = await startBroker(port, dataDir);
        children.push(broker.child);
        survived++;
        const checker = await connect(bootstrap);
        const committed = await committedOffset(checker);
        checker.close();
        // Commits only go up: never below the last acknowledged one, and only an offset committed.
        const why = `seed ${seed}, kill ${kill}: committed offset ${committed}`;
        expect(committed, why).toBeGreaterThanOrEqual(Math.min(committedBefore, inFlight ?? committedBefore));
        expect(shared.commitsSent.has(committed) || committed === -1, why).toBe(true);
        if (kill % 3 === 1) {
          // A client restarting: a new producer id, its sequences from 0 again.
          await producer.stop();
          producer = new Producer(bootstrap, random, shared, producer.acked);
          producers++;
        }
      }
      // Some more acknowledged records after the last restart, then stop producing.
      const ackedAfterLast = producer.acked;
      while (producer.acked === ackedAfterLast && shared.errors.length === 0)
        await new Promise((resolve) => setTimeout(resolve, 10));
      await producer.stop();
      expect(shared.errors, `seed ${seed}`).toEqual([]);

      const checker = await connect(bootstrap);
      const records = await readAll(checker, TOPIC);
      expect(await committedOffset(checker)).toBe(shared.committed);
      checker.close();
      // Record i at offset i: none lost, none twice, all in order.
      const wrong = records.findIndex((record, i) => record.offset !== i || record.value !== `r${i}`);
      expect(wrong, `seed ${seed}: first wrong record ${JSON.stringify(records[wrong])}`).toBe(-1);
      const lost = Math.max(0, producer.acked - records.length);
      expect(lost, `seed ${seed}`).toBe(0);
      expect(records.length).toBeLessThanOrEqual(producer.sent);
      process.stdout.write(
        `crash loop (seed ${seed}): ${survived} kills survived (${killedStarting} more while starting), ${producers} producers, ${records.length} records checked, ` +
          `${producer.acked} acknowledged, ${lost} lost\n`,
      );

      broker.child.kill('SIGTERM');
      expect(await broker.exited).toBe(0);
    },
  );

  it('a broker that is PID 1 (a container) starts again after a SIGKILL', { timeout: 60_000 }, async () => {
    const dataDir = makeTempDir('kiln-pid1-');
    dirs.push(dataDir);
    const port = await freePort();
    const bootstrap = `127.0.0.1:${port}`;
    // --kill-child: should the test fail, ending unshare ends the broker too.
    const asPid1 = ['unshare', '--pid', '--fork', '--mount-proc', '--kill-child'];
    const pid1 = (broker: ChildBroker): number =>
      Number(fs.readFileSync(`/proc/${broker.child.pid}/task/${broker.child.pid}/children`, 'utf8'));
    const first = await startBroker(port, dataDir, asPid1);
    children.push(first.child);
    await createTopic(bootstrap);
    const client = await connect(bootstrap);
    const answer = await request(client, 0, 7, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 5000,
      topicData: [
        { name: TOPIC, partitionData: [{ index: 0, records: buildBatch({ records: [{ value: 'r0' }] }) }] },
      ],
    });
    client.close();
    const topics = answer.responses as { partitionResponses: { errorCode: number }[] }[];
    expect(topics[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.NONE);
    // The broker is the namespace's PID 1, a child of unshare; killing it ends the namespace.
    expect(fs.readFileSync(`${dataDir}/.lock`, 'utf8').split(' ')[0]?.trim()).toBe('1');
    process.kill(pid1(first), 'SIGKILL');
    await first.exited;

    const second = await startBroker(port, dataDir, asPid1);
    children.push(second.child);
    const checker = await connect(bootstrap);
    expect((await readAll(checker, TOPIC)).map((record) => record.value)).toEqual(['r0']);
    checker.close();
    process.kill(pid1(second), 'SIGTERM');
    expect(await second.exited).toBe(0);
    expect(fs.existsSync(`${dataDir}/.kafka_cleanshutdown`)).toBe(true);
  });
});
