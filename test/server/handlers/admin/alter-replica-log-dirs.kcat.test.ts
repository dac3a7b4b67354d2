// A real broker with two log.dirs moves a partition from one to the other and back while kcat
// (librdkafka) produces into it and another kcat consumes from it; afterwards every record is read
// back once, in order. The moves are asked for over the protocol (AlterReplicaLogDirs), as Kafka's
// admin tools ask, and watched with DescribeLogDirs.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Connection } from '../../../../server/client/connection.js';
import { AlterReplicaLogDirsApi } from '../../../../server/protocol/apis/alter-replica-log-dirs.js';
import { DescribeLogDirsApi } from '../../../../server/protocol/apis/describe-log-dirs.js';
import { startBroker, type RunningBroker } from '../../../helpers/broker-fixture.js';
import { makeTempDir, removeTempDir } from '../../../helpers/temp-dir.js';
import { waitFor } from '../../../helpers/wait-for.js';

const TOPIC = 'moving';

let root: string;
let dirs: string[];
let kiln: RunningBroker;
let admin: Connection;

beforeAll(async () => {
  root = makeTempDir('kiln-move-kcat-');
  dirs = [path.join(root, 'a'), path.join(root, 'b')];
  kiln = await startBroker({ 'log.dirs': dirs.join(','), 'log.segment.bytes': '262144' });
  admin = await Connection.open('127.0.0.1', kiln.broker.port, 'move-test');
});
afterAll(async () => {
  // A test that failed half-way leaves its kcats running.
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  admin?.close();
  await kiln?.stop();
  removeTempDir(root);
});

const children: ChildProcessWithoutNullStreams[] = [];

function kcat(args: string[]): ChildProcessWithoutNullStreams {
  const child = spawn('kcat', ['-b', kiln.bootstrap, ...args]);
  children.push(child);
  return child;
}

/** Resolves with the exit code and everything the process wrote to stderr. */
function exited(child: ChildProcessWithoutNullStreams): Promise<{ code: number | null; stderr: string }> {
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr })));
}

const value = (i: number): string => `record-${i}-${'v'.repeat(100)}`;

/** The replica's directories as DescribeLogDirs says: [dir, isFuture] for each. */
async function placesOfReplica(): Promise<[string, boolean][]> {
  const response = await admin.request(DescribeLogDirsApi, { topics: [{ topic: TOPIC, partitions: [0] }] });
  return response.results.flatMap((dir) =>
    dir.topics.flatMap((t) => t.partitions.map((p): [string, boolean] => [dir.logDir, p.isFutureKey])),
  );
}

/** Asks for the move and, in the same round trip, where the replica is: its copy must be there. */
async function moveTo(dir: string): Promise<[string, boolean][]> {
  const [altered, places] = await Promise.all([
    admin.request(AlterReplicaLogDirsApi, {
      dirs: [{ path: dir, topics: [{ name: TOPIC, partitions: [0] }] }],
    }),
    placesOfReplica(),
  ]);
  expect(altered.results).toEqual([{ topicName: TOPIC, partitions: [{ partitionIndex: 0, errorCode: 0 }] }]);
  return places;
}

describe('AlterReplicaLogDirs under a kcat producer and consumer', () => {
  it(
    'moves the partition there and back while it serves, and every record is read back once, in order',
    { timeout: 120_000 },
    async () => {
      const producer = kcat([
        '-P',
        '-t',
        TOPIC,
        '-p',
        '0',
        '-X',
        'enable.idempotence=true',
        '-X',
        'linger.ms=2',
      ]);
      const produced = exited(producer);
      // A kcat that died early is found by its exit code; its closed stdin is no error of its own.
      producer.stdin.on('error', () => {});
      let written = 0;
      let producing = true;
      // Lines go to kcat as fast as it takes them, until the moves are done.
      const feed = (async () => {
        while (producing) {
          const lines = Array.from({ length: 200 }, (_, k) => value(written + k)).join('\n') + '\n';
          written += 200;
          if (!producer.stdin.write(lines))
            await new Promise((resolve) => producer.stdin.once('drain', resolve));
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
        producer.stdin.end();
      })();
      const log = () => kiln.broker.logManager!.getLog(TOPIC, 0);
      await waitFor(() => (log()?.logEndOffset ?? 0) > 20_000, {
        timeoutMs: 30_000,
        what: 'records in the log',
      });
      // A consumer follows the partition from its start all through the moves.
      const consumer = kcat(['-C', '-t', TOPIC, '-p', '0', '-o', 'beginning', '-u', '-f', '%o %s\n']);
      const consumed: string[] = [];
      let partial = '';
      consumer.stdout.on('data', (chunk: Buffer) => {
        const lines = (partial + chunk.toString()).split('\n');
        partial = lines.pop()!;
        consumed.push(...lines);
      });
      const consumerDone = exited(consumer);

      const [a, b] = dirs.map((dir) => path.resolve(dir)) as [string, string];
      const seen: [string, boolean][][] = [];
      for (const [from, to] of [
        [a, b],
        [b, a],
      ] as const) {
        const endBefore = log()!.logEndOffset;
        seen.push(await moveTo(to));
        await waitFor(
          async () => {
            const places = await placesOfReplica();
            return places.length === 1 && places[0]![0] === to;
          },
          { timeoutMs: 60_000, intervalMs: 20, what: `the move to ${to}` },
        );
        expect(kiln.broker.logManager!.logDirOf(TOPIC, 0)).toBe(to === a ? dirs[0] : dirs[1]);
        // The old files go just after the switch.
        await kiln.broker.logManager!.moveOutcome(TOPIC, 0);
        expect(fs.readdirSync(from).filter((name) => name.startsWith(TOPIC))).toEqual([]);
        // Records kept coming in while it moved.
        expect(log()!.logEndOffset).toBeGreaterThan(endBefore);
      }
      // While each move was under way the copy was listed in the target directory.
      expect(seen).toEqual([
        [
          [a, false],
          [b, true],
        ],
        [
          [a, true],
          [b, false],
        ],
      ]);

      producing = false;
      await feed;
      const { code, stderr } = await produced;
      expect(stderr).not.toMatch(/ERROR|fail/i);
      expect(code).toBe(0);
      expect(log()!.logEndOffset).toBe(written);

      // The consumer that read along saw every record once, in order.
      await waitFor(() => consumed.length >= written, { timeoutMs: 60_000, what: 'the consumer' });
      consumer.kill('SIGINT');
      await consumerDone;
      const expected = Array.from({ length: written }, (_, i) => `${i} ${value(i)}`);
      expect(consumed.length).toBe(written);
      expect(consumed).toEqual(expected);

      // And a fresh read from the start finds them all, once, in order.
      const again = kcat(['-C', '-t', TOPIC, '-p', '0', '-o', 'beginning', '-e', '-f', '%o %s\n']);
      let out = '';
      again.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      expect((await exited(again)).code).toBe(0);
      expect(out.split('\n').slice(0, -1)).toEqual(expected);
    },
  );
});
