import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { buildBatch } from '../../engine/index.js';
import { ErrorCode } from '../../server/protocol/error-codes.js';
import type { ProtocolClient } from '../helpers/protocol-client.js';
import { seededRandom } from '../helpers/seeded-random.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { connect, freePort, readAll, request, startChildBroker } from './child-broker.js';

/**
 * Ctrl-C in a terminal signals the whole foreground process group: `npm start` leaves npm as
 * node's parent, npm passes the SIGINT on, so node gets it twice, at once. The second must not cut
 * the stop short: every stop leaves the clean-shutdown marker and no lock, and nothing acknowledged
 * is lost. KILN_FAULT_LONG=1 runs 20 rounds.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const TOPIC = 'signals';
const LONG = Boolean(process.env.KILN_FAULT_LONG);

/** `npm start` in a process group of its own, as a shell runs a foreground job. */
function npmStart(port: number, dataDir: string): Promise<{ child: ChildProcess; output: () => string }> {
  const overrides = [
    '--override',
    `listeners=PLAINTEXT://127.0.0.1:${port}`,
    '--override',
    `log.dirs=${dataDir}`,
  ];
  const child = spawn('npm', ['start', '--silent', '--', ...overrides], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const collect = (chunk: Buffer): void => {
      out += chunk.toString();
      if (out.includes('kiln broker started')) resolve({ child, output: () => out });
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    child.once('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${out}`)));
  });
}

/** Produces `r<n>` records with acks=all until the connection goes; returns the acknowledged n. */
async function produceUntilGone(client: ProtocolClient, next: { n: number }): Promise<number[]> {
  const acked: number[] = [];
  for (;;) {
    const first = next.n;
    const count = 20;
    next.n += count;
    const records = buildBatch({
      records: Array.from({ length: count }, (_, i) => ({ value: `r${first + i}` })),
    });
    let answer: Record<string, unknown>;
    try {
      answer = await request(client, 0, 7, {
        transactionalId: null,
        acks: -1,
        timeoutMs: 5000,
        topicData: [{ name: TOPIC, partitionData: [{ index: 0, records }] }],
      });
    } catch {
      return acked;
    }
    const topics = answer.responses as { partitionResponses: { errorCode: number }[] }[];
    if (topics[0]!.partitionResponses[0]!.errorCode === ErrorCode.NONE)
      for (let i = 0; i < count; i++) acked.push(first + i);
  }
}

describe('signals to the process group of npm start', () => {
  const dirs: string[] = [];
  const groups: number[] = [];
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
    for (const pgid of groups.splice(0)) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    dirs.splice(0).forEach(removeTempDir);
  });

  const rounds = LONG ? 20 : 3;
  it(
    `Ctrl-C to the process group of npm start under load stops cleanly and loses nothing, ${rounds} times`,
    { timeout: 60_000 + rounds * 45_000 },
    async () => {
      const seed = Number(process.env.KILN_FAULT_SEED ?? Date.now() % 100_000);
      const random = seededRandom(seed);
      const dataDir = makeTempDir('kiln-signals-');
      dirs.push(dataDir);
      const port = await freePort();
      const bootstrap = `127.0.0.1:${port}`;
      const next = { n: 0 };
      const acked: number[] = [];
      for (let round = 0; round < rounds; round++) {
        const { child, output } = await npmStart(port, dataDir);
        groups.push(child.pid!);
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        const client = await connect(bootstrap);
        const load = produceUntilGone(client, next);
        await new Promise((resolve) => setTimeout(resolve, 200 + random() * 800));
        process.kill(-child.pid!, 'SIGINT'); // the whole group, as a terminal does
        await exited;
        client.close();
        for (const n of await load) acked.push(n);
        const why = `seed ${seed}, round ${round}:\n${output()}`;
        expect(output(), why).toContain('kiln broker stopped');
        expect(fs.existsSync(path.join(dataDir, '.kafka_cleanshutdown')), why).toBe(true);
        expect(fs.existsSync(path.join(dataDir, '.lock')), why).toBe(false);
      }
      // Everything acknowledged is there, in the order it was produced.
      const broker = await startChildBroker(port, dataDir);
      const checker = await connect(bootstrap);
      const stored = (await readAll(checker, TOPIC)).map((record) => Number(record.value.slice(1)));
      checker.close();
      broker.child.kill('SIGTERM');
      await broker.exited;
      expect(acked.length).toBeGreaterThan(0);
      expect(stored.every((n, i) => i === 0 || n > stored[i - 1]!)).toBe(true);
      const have = new Set(stored);
      expect(acked.filter((n) => !have.has(n))).toEqual([]);
      process.stdout.write(
        `signals (seed ${seed}): ${rounds} group SIGINTs, all clean; ${acked.length} acknowledged, ` +
          `${stored.length} stored, 0 lost\n`,
      );
    },
  );

  it(
    'a stop cut short by SIGKILL starts again with every acknowledged record',
    { timeout: 120_000 },
    async () => {
      const seed = Number(process.env.KILN_FAULT_SEED ?? Date.now() % 100_000);
      const random = seededRandom(seed);
      const dataDir = makeTempDir('kiln-stop-killed-');
      dirs.push(dataDir);
      const port = await freePort();
      const bootstrap = `127.0.0.1:${port}`;
      const next = { n: 0 };
      const acked: number[] = [];
      const properties = { 'offsets.topic.num.partitions': '1', 'log.segment.bytes': '262144' };
      const rounds = LONG ? 20 : 4;
      for (let round = 0; round < rounds; round++) {
        const broker = await startChildBroker(port, dataDir, properties);
        groups.push(broker.child.pid!);
        const client = await connect(bootstrap);
        const load = produceUntilGone(client, next);
        await new Promise((resolve) => setTimeout(resolve, 200 + random() * 500));
        broker.child.kill('SIGTERM');
        // Killed somewhere in the stop: closing logs, writing checkpoints, the marker, the unlock.
        await new Promise((resolve) => setTimeout(resolve, random() * 60));
        broker.child.kill('SIGKILL');
        await broker.exited;
        client.close();
        for (const n of await load) acked.push(n);
      }
      const broker = await startChildBroker(port, dataDir, properties);
      const checker = await connect(bootstrap);
      const stored = (await readAll(checker, TOPIC)).map((record) => Number(record.value.slice(1)));
      checker.close();
      broker.child.kill('SIGTERM');
      expect(await broker.exited).toBe(0);
      expect(acked.length).toBeGreaterThan(0);
      expect(
        stored.every((n, i) => i === 0 || n > stored[i - 1]!),
        `seed ${seed}`,
      ).toBe(true);
      const have = new Set(stored);
      expect(
        acked.filter((n) => !have.has(n)),
        `seed ${seed}`,
      ).toEqual([]);
    },
  );
});
