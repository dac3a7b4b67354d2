import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildBatch } from '../../engine/index.js';
import { BATCH_LENGTH } from '../../engine/record/record-batch.js';
import { ErrorCode } from '../../server/protocol/error-codes.js';
import type { ProtocolClient } from '../helpers/protocol-client.js';
import { seededRandom } from '../helpers/seeded-random.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { connect, freePort, request, startChildBroker } from './child-broker.js';

/**
 * Segment files damaged under a running broker — cut short, zeroed, bit-flipped — while a consumer
 * reads them. Cutting a mapped file and touching the lost pages is SIGBUS, and a cold read loop
 * that is handed fewer bytes than it asked for used to spin for ever (the broker then ignored
 * SIGTERM). Whatever is done to the files, every fetch is answered (records or an error), the
 * broker stays up, logs what it found, and stops on SIGTERM. KILN_FAULT_LONG=1 runs 40 rounds.
 */
const TOPIC = 'damaged';
const LONG = Boolean(process.env.KILN_FAULT_LONG);
const SEGMENT_BYTES = 64 * 1024;
const RECORDS = 3000;
/** A fetch that takes longer than this is taken for a hung broker (it answers in milliseconds). */
const ANSWER_WITHIN_MS = 15_000;

/** Errors a fetch of a damaged partition may answer; anything else fails the test. */
const ALLOWED = new Set<number>([
  ErrorCode.NONE,
  ErrorCode.CORRUPT_MESSAGE,
  ErrorCode.KAFKA_STORAGE_ERROR,
  ErrorCode.OFFSET_OUT_OF_RANGE,
]);

async function fetchAt(client: ProtocolClient, fetchOffset: number, maxBytes: number): Promise<number> {
  const answer = request(client, 1, 11, {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic: TOPIC, partitions: [{ partition: 0, fetchOffset, partitionMaxBytes: maxBytes }] }],
    forgottenTopicsData: [],
    rackId: '',
  });
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`fetch at ${fetchOffset} not answered`)), ANSWER_WITHIN_MS);
  });
  try {
    const response = await Promise.race([answer, hung]);
    const partition = (response.responses as { partitions: { errorCode: number }[] }[])[0]!.partitions[0]!;
    return partition.errorCode;
  } finally {
    clearTimeout(timer);
  }
}

type Damage = 'truncate' | 'zero' | 'flip' | 'length';

/** Damages `file` (of `size` bytes) in one of four ways; returns what was done, for messages. */
function damage(file: string, kind: Damage, random: () => number): string {
  const size = fs.statSync(file).size;
  if (size === 0) return `${kind}: empty`;
  const at = Math.floor(random() * size);
  if (kind === 'truncate') {
    fs.truncateSync(file, at);
    return `truncate ${path.basename(file)} to ${at} of ${size}`;
  }
  const fd = fs.openSync(file, 'r+');
  try {
    if (kind === 'zero') {
      const length = Math.min(size - at, 1 + Math.floor(random() * 8192));
      fs.writeSync(fd, Buffer.alloc(length), 0, length, at);
      return `zero ${length} bytes of ${path.basename(file)} at ${at}`;
    }
    if (kind === 'flip') {
      const byte = Buffer.alloc(1);
      fs.readSync(fd, byte, 0, 1, at);
      byte[0] = byte[0]! ^ (1 << Math.floor(random() * 8));
      fs.writeSync(fd, byte, 0, 1, at);
      return `flip a bit of ${path.basename(file)} at ${at}`;
    }
    // The length field of the first batch: a value no batch can have.
    const field = Buffer.alloc(4);
    field.writeInt32BE(random() < 0.5 ? 3 : 0x7fffff00);
    fs.writeSync(fd, field, 0, 4, BATCH_LENGTH);
    return `corrupt the first batch length of ${path.basename(file)}`;
  } finally {
    fs.closeSync(fd);
  }
}

describe('segment files damaged under a running broker', () => {
  const dirs: string[] = [];
  const children: ChildProcess[] = [];
  const clients: ProtocolClient[] = [];
  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
    dirs.splice(0).forEach(removeTempDir);
  });

  const rounds = LONG ? 40 : 8;
  it(
    `${rounds} rounds of cut, zeroed and bit-flipped segments: every fetch answered, no SIGBUS, no spin, SIGTERM stops it`,
    { timeout: 60_000 + rounds * 10_000 },
    async () => {
      const seed = Number(process.env.KILN_FAULT_SEED ?? Date.now() % 100_000);
      const random = seededRandom(seed);
      const dataDir = makeTempDir('kiln-damaged-');
      dirs.push(dataDir);
      const port = await freePort();
      const bootstrap = `127.0.0.1:${port}`;
      const broker = await startChildBroker(port, dataDir, {
        'offsets.topic.num.partitions': '1',
        'log.segment.bytes': String(SEGMENT_BYTES),
      });
      children.push(broker.child);
      const why = (): string => `seed ${seed}:\n${broker.output().slice(-4000)}`;

      const client = await connect(bootstrap);
      clients.push(client);
      const created = await request(client, 19, 4, {
        topics: [{ name: TOPIC, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
        timeoutMs: 5000,
        validateOnly: false,
      });
      expect((created.topics as { errorCode: number }[])[0]!.errorCode).toBe(ErrorCode.NONE);
      const value = 'v'.repeat(200);
      for (let first = 0; first < RECORDS; first += 10) {
        const records = buildBatch({ records: Array.from({ length: 10 }, () => ({ value })) });
        const answer = await request(client, 0, 7, {
          transactionalId: null,
          acks: -1,
          timeoutMs: 5000,
          topicData: [{ name: TOPIC, partitionData: [{ index: 0, records }] }],
        });
        const partitions = (answer.responses as { partitionResponses: { errorCode: number }[] }[])[0]!;
        expect(partitions.partitionResponses[0]!.errorCode).toBe(ErrorCode.NONE);
      }
      const partitionDir = path.join(dataDir, `${TOPIC}-0`);
      const segments = fs
        .readdirSync(partitionDir)
        .filter((name) => name.endsWith('.log'))
        .sort()
        .map((name) => path.join(partitionDir, name));
      expect(segments.length).toBeGreaterThan(4);

      // Read everything once so that the hot path has the files mapped before they are damaged.
      for (let offset = 0; offset < RECORDS; offset += 100)
        expect(await fetchAt(client, offset, 1 << 20), why()).toBe(ErrorCode.NONE);

      const kinds: Damage[] = ['truncate', 'zero', 'flip', 'length'];
      const done: string[] = [];
      const answered = new Map<number, number>();
      const cut = new Set<string>();
      for (let round = 0; round < rounds; round++) {
        // Every kind of damage comes round; which file and where is random.
        const kind = kinds[round % kinds.length]!;
        // A corrupt first batch goes on a segment still whole: on a cut one it would only ever be
        // read as cut (KAFKA_STORAGE_ERROR), and nothing would show it is found.
        const whole = segments.filter((f) => !cut.has(f));
        const choices = kind === 'length' && whole.length > 0 ? whole : segments;
        const file = choices[Math.floor(random() * choices.length)]!;
        if (kind === 'truncate') cut.add(file);
        done.push(damage(file, kind, random));
        // The consumer's reads below land where they land; one read from the damaged segment's
        // first offset makes sure a corrupt first batch is read at all (it was missed by chance).
        const targeted = kind === 'length' ? [Number(path.basename(file, '.log'))] : [];
        // A consumer reads across the whole log, hot (small, mapped) and cold (large) fetches.
        const offsets = [...targeted];
        for (let offset = 0; offset < RECORDS; offset += 50 + Math.floor(random() * 100))
          offsets.push(offset);
        for (const offset of offsets) {
          const code = await fetchAt(client, offset, random() < 0.5 ? 4096 : 1 << 20);
          expect(ALLOWED.has(code), `${done.join('; ')}: fetch at ${offset} answered ${code}\n${why()}`).toBe(
            true,
          );
          answered.set(code, (answered.get(code) ?? 0) + 1);
        }
        expect(broker.child.exitCode, `${done.join('; ')}\n${why()}`).toBe(null);
        expect(broker.child.signalCode, `${done.join('; ')}\n${why()}`).toBe(null);
      }
      // Damage was found and answered as such, and logged.
      expect(answered.get(ErrorCode.CORRUPT_MESSAGE) ?? 0, why()).toBeGreaterThan(0);
      expect(broker.output(), why()).toContain('fetch failed');

      client.close();
      broker.child.kill('SIGTERM');
      const code = await broker.exited;
      expect(broker.child.signalCode, why()).toBe(null);
      expect(code, why()).toBe(0);
      expect(broker.output(), why()).toContain('kiln broker stopped');
      const summary = [...answered].map(([c, n]) => `${n}× ${c}`).join(', ');
      process.stdout.write(`damaged while running (seed ${seed}): ${rounds} rounds, answers ${summary}\n`);
    },
  );
});
