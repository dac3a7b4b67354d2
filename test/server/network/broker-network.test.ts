import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { apiSchema } from '../../../server/protocol/apis/index.js';
import { AppendWaiters } from '../../../server/cluster/append-waiters.js';
import { ApiVersionsApi } from '../../../server/protocol/apis/api-versions.js';
import { decodeMessage, encodeMessage, type Message } from '../../../server/protocol/codec.js';
import { ProtocolReader } from '../../../server/protocol/reader.js';
import { inRange } from '../../../server/protocol/schema.js';
import { ProtocolWriter } from '../../../server/protocol/writer.js';
import { startBroker, type RunningBroker } from '../../helpers/broker-fixture.js';
import { batchOf } from '../../helpers/log-fixtures.js';
import { ProtocolClient } from '../../helpers/protocol-client.js';
import { seededRandom } from '../../helpers/seeded-random.js';
import { fixturePath } from '../../helpers/produce-request.js';
import { waitFor } from '../../helpers/wait-for.js';

/** A whole frame, size prefix included. */
function frame(build: (w: ProtocolWriter) => unknown): Buffer {
  const w = new ProtocolWriter({ sizePrefix: true });
  build(w);
  return Buffer.concat(w.toBuffers());
}

/** A request frame for any API and version, the body encoded by Kiln's codec. */
function requestFrame(apiKey: number, version: number, body: Message, correlationId = 1): Buffer {
  const api = apiSchema(apiKey)!;
  const flexible = inRange(version, api.flexible);
  return frame((w) => {
    w.int16(apiKey).int16(version).int32(correlationId).string('kiln-test');
    if (flexible) w.unsignedVarint(0);
    encodeMessage(api.request, version, flexible, body, w);
  });
}

/**
 * What happens next on a connection: a response frame, the connection closing, or nothing within
 * `timeoutMs`. It answers as soon as a frame or the close arrives; where one of those is expected
 * the deadline only bounds a failing test, so it is generous.
 */
async function outcome(
  client: ProtocolClient,
  timeoutMs = 10_000,
): Promise<'closed' | 'response' | 'nothing'> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      client.nextFrame().then(() => 'response' as const),
      client.closed.then(() => 'closed' as const),
      new Promise<'nothing'>((resolve) => (timer = setTimeout(() => resolve('nothing'), timeoutMs))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Watches the broker's long-poll waiters (every broker's: they share the class). `parked(key)`
 * resolves once a Fetch has started waiting for an append to `key` (`${topic}-${partition}`):
 * from then on only an append, a stop or its max wait can answer it.
 */
function watchLongPolls() {
  const wait = vi.spyOn(AppendWaiters.prototype, 'wait');
  return {
    parked: (key: string) =>
      waitFor(() => wait.mock.calls.some(([keys]) => keys.includes(key)), {
        what: `a Fetch parked on ${key}`,
      }),
    restore: () => wait.mockRestore(),
  };
}

/** The connections the broker holds open (its listener is private: tests look inside). */
function brokerConnections(kiln: RunningBroker): number {
  return kiln.broker['listener']!.connectionCount;
}

/** Writes bytes and resolves once the socket has handed them to the kernel. */
function sendRawFlushed(client: ProtocolClient, bytes: Buffer): Promise<void> {
  return new Promise((resolve, reject) =>
    client.socket.write(bytes, (err) => (err ? reject(err) : resolve())),
  );
}

async function metadataOn(client: ProtocolClient): Promise<Message> {
  return client.request(3, 1, { topics: [] });
}

/** A fresh connection gets Metadata answered. */
async function expectServing(kiln: RunningBroker): Promise<void> {
  const client = await ProtocolClient.connect(kiln.bootstrap);
  try {
    const metadata = await metadataOn(client);
    expect(metadata.brokers).toHaveLength(1);
  } finally {
    client.close();
  }
}

/** Creates a topic through Metadata's auto-creation; resolves once it has a leader. */
async function createTopic(kiln: RunningBroker, name: string): Promise<void> {
  const client = await ProtocolClient.connect(kiln.bootstrap);
  try {
    await waitFor(
      async () => {
        const metadata = await client.request(3, 4, { topics: [{ name }], allowAutoTopicCreation: true });
        return (metadata.topics as Message[])[0]!.errorCode === 0;
      },
      { intervalMs: 20, what: `topic ${name} to have a leader` },
    );
  } finally {
    client.close();
  }
}

function produce(client: ProtocolClient, topic: string, records: Buffer, version = 3): Promise<Message> {
  return client.request(0, version, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 5000,
    topicData: [{ name: topic, partitionData: [{ index: 0, records }] }],
  });
}

function partitionError(response: Message): number {
  const topic = (response.responses as Message[])[0]!;
  return (topic.partitionResponses as Message[])[0]!.errorCode as number;
}

function fetchRequest(topic: string, maxWaitMs: number, minBytes = 1): Message {
  return {
    replicaId: -1,
    maxWaitMs,
    minBytes,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    topics: [{ topic, partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20 }] }],
  };
}

function fetchedRecords(response: Message): Buffer {
  const topic = (response.responses as Message[])[0]!;
  return (topic.partitions as Message[])[0]!.records as Buffer;
}

/** A legacy message set (magic 0 or 1) holding one message. */
function legacyMessageSet(magic: 0 | 1): Buffer {
  const value = Buffer.from('legacy');
  const w = new ProtocolWriter();
  w.int8(magic).int8(0);
  if (magic === 1) w.int64(Date.now());
  w.bytes(null).bytes(value);
  const message = w.toBuffer();
  const out = Buffer.alloc(12 + 4 + message.length);
  out.writeBigInt64BE(0n, 0);
  out.writeInt32BE(4 + message.length, 8);
  out.writeUInt32BE(0, 12); // the CRC does not matter: the magic alone is refused
  message.copy(out, 16);
  return out;
}

describe('the network layer of a real broker', () => {
  let kiln: RunningBroker;
  beforeAll(async () => {
    kiln = await startBroker({ 'socket.request.max.bytes': '1000' });
    await createTopic(kiln, 'net-records');
  });
  afterAll(async () => {
    await kiln.stop();
  });

  it('answers ApiVersions v0 to v3', async () => {
    const client = await ProtocolClient.connect(kiln.bootstrap);
    try {
      for (let version = 0; version <= 3; version++) {
        const response = await client.request(18, version, {
          clientSoftwareName: 'kiln-test',
          clientSoftwareVersion: '1.0',
        });
        expect(response.errorCode).toBe(0);
        const keys = response.apiKeys as { apiKey: number; minVersion: number; maxVersion: number }[];
        expect(keys).toContainEqual({ apiKey: 18, minVersion: 0, maxVersion: 3 });
        expect(keys.map((k) => k.apiKey)).toEqual(expect.arrayContaining([0, 1, 2, 3, 18]));
      }
    } finally {
      client.close();
    }
  });

  it('answers ApiVersions v4 with UNSUPPORTED_VERSION in the v0 format, as Kafka 2.4.1 did', async () => {
    const dir = 'kafka-2.4.1/handcrafted';
    const request = fs.readFileSync(fixturePath(`${dir}/0001-ApiVersions-v4-request.bin`));
    const expected = fs.readFileSync(fixturePath(`${dir}/0001-ApiVersions-v4-response.bin`));
    const client = await ProtocolClient.connect(kiln.bootstrap);
    try {
      const prefix = Buffer.alloc(4);
      prefix.writeInt32BE(request.length, 0);
      const response = client.nextFrame();
      client.sendRaw(Buffer.concat([prefix, request]));
      const got = await response;
      const decode = (bytes: Buffer): { correlationId: number; body: Message } => {
        const reader = new ProtocolReader(bytes);
        const correlationId = reader.int32();
        const body = decodeMessage(ApiVersionsApi.response, 0, false, reader);
        expect(reader.remaining).toBe(0);
        return { correlationId, body };
      };
      const kafka = decode(expected);
      const kilnAnswer = decode(got);
      expect(kilnAnswer.correlationId).toBe(kafka.correlationId);
      expect(kilnAnswer.body.errorCode).toBe(35);
      expect(kilnAnswer.body.apiKeys).toEqual(kafka.body.apiKeys);
      expect(kilnAnswer.body.apiKeys).toEqual([{ apiKey: 18, minVersion: 0, maxVersion: 3 }]);
      expect(got.equals(expected)).toBe(true);
      // The connection stays open: the client falls back to a version both speak.
      const fallback = await client.request(18, 3, {
        clientSoftwareName: 'kiln-test',
        clientSoftwareVersion: '1.0',
      });
      expect(fallback.errorCode).toBe(0);
    } finally {
      client.close();
    }
  });

  it('closes the connection with no response for an unknown API or an unsupported version', async () => {
    const metadataV10 = fs.readFileSync(fixturePath('kafka-2.4.1/handcrafted/0002-Metadata-v10-request.bin'));
    const metadataV13 = Buffer.from(metadataV10);
    metadataV13.writeInt16BE(13, 2);
    const unknown = Buffer.from(metadataV10);
    unknown.writeInt16BE(999, 0);
    const produceV2 = Buffer.from(metadataV10);
    produceV2.writeInt16BE(0, 0);
    produceV2.writeInt16BE(2, 2);
    const bystander = await ProtocolClient.connect(kiln.bootstrap);
    try {
      for (const request of [metadataV13, unknown, produceV2]) {
        const client = await ProtocolClient.connect(kiln.bootstrap);
        const prefix = Buffer.alloc(4);
        prefix.writeInt32BE(request.length, 0);
        client.sendRaw(Buffer.concat([prefix, request]));
        expect(await outcome(client)).toBe('closed');
        // Another connection, opened before, is still served.
        expect((await metadataOn(bystander)).brokers).toHaveLength(1);
      }
      await expectServing(kiln);
    } finally {
      bystander.close();
    }
  });

  it('closes a connection sending a frame over socket.request.max.bytes, with a log line', async () => {
    const warn = vi.spyOn(kiln.broker.log, 'warn');
    try {
      const client = await ProtocolClient.connect(kiln.bootstrap);
      // At the limit is fine (a Metadata request padded with bytes the decoder ignores).
      const atLimit = requestFrame(3, 1, { topics: [] });
      const padded = Buffer.concat([atLimit, Buffer.alloc(1000 - (atLimit.length - 4))]);
      padded.writeInt32BE(1000, 0);
      client.sendRaw(padded);
      expect(await outcome(client)).toBe('response');
      const big = Buffer.alloc(4 + 1001);
      big.writeInt32BE(1001, 0);
      client.sendRaw(big);
      expect(await outcome(client)).toBe('closed');
      expect(warn.mock.calls.some((call) => String(call[0]).includes('socket.request.max.bytes'))).toBe(true);
      // Just the size is enough: the broker does not wait for the body.
      const other = await ProtocolClient.connect(kiln.bootstrap);
      other.sendRaw(Buffer.from([0x7f, 0xff, 0xff, 0xff]));
      expect(await outcome(other)).toBe('closed');
      await expectServing(kiln);
    } finally {
      warn.mockRestore();
    }
  });

  it('closes connections sending truncated requests, negative sizes or a huge client id length', async () => {
    const cases: Buffer[] = [
      // A frame shorter than the request header.
      frame((w) => w.int16(3).int16(1)),
      frame((w) => w.int16(3)),
      frame(() => {}),
      // A header whose client id claims 32767 bytes.
      frame((w) => w.int16(3).int16(1).int32(1).int16(0x7fff).raw(Buffer.from('abc'))),
      // A body that ends early: a Metadata request promising 5 topics and holding none.
      frame((w) => w.int16(3).int16(1).int32(1).string('x').int32(5)),
      // An array count that cannot fit.
      frame((w) => w.int16(3).int16(1).int32(1).string('x').int32(0x7fffffff)),
      // A flexible request whose header's tagged fields run past the end.
      frame((w) => w.int16(3).int16(9).int32(1).string('x').unsignedVarint(3)),
      // A negative size.
      Buffer.from([0xff, 0xff, 0xff, 0xfe, 0, 0]),
    ];
    for (const bytes of cases) {
      const client = await ProtocolClient.connect(kiln.bootstrap);
      client.sendRaw(bytes);
      expect(await outcome(client), bytes.toString('hex')).toBe('closed');
    }
    await expectServing(kiln);
  });

  it('survives clients that go away in the middle of a request', async () => {
    const connectionsBefore = brokerConnections(kiln);
    for (let cut = 1; cut < 30; cut += 3) {
      const client = await ProtocolClient.connect(kiln.bootstrap);
      // Gone only once the partial frame has left: destroyed sooner, the bytes could be dropped.
      await sendRawFlushed(
        client,
        requestFrame(3, 1, { topics: [{ name: 'net-records' }] }).subarray(0, cut),
      );
      client.close();
    }
    // Half-closed: the client ends its side after part of a frame.
    const half = await ProtocolClient.connect(kiln.bootstrap);
    half.socket.end(requestFrame(3, 1, { topics: [] }).subarray(0, 10));
    expect(await outcome(half)).toBe('closed');
    // Gone with a long poll pending, and gone right after sending a request.
    const polling = await ProtocolClient.connect(kiln.bootstrap);
    const longPolls = watchLongPolls();
    try {
      polling.sendRaw(requestFrame(1, 4, fetchRequest('net-records', 5000, 1 << 30)));
      const quick = await ProtocolClient.connect(kiln.bootstrap);
      await sendRawFlushed(quick, requestFrame(3, 1, { topics: [] }));
      quick.close();
      await longPolls.parked('net-records-0');
    } finally {
      longPolls.restore();
    }
    polling.close();
    // The broker lets go of every connection that went away, the parked fetch's included ...
    await waitFor(() => brokerConnections(kiln) <= connectionsBefore, {
      what: `the broker to close the connections that went away (${connectionsBefore} open before)`,
    });
    // ... and serves the next one.
    await expectServing(kiln);
  });

  it('survives random bytes and random bodies (seeded, bounded)', async () => {
    const random = seededRandom(20261122);
    const int = (n: number): number => Math.floor(random() * n);
    const randomBytes = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => int(256)));
    const apis = [0, 1, 2, 3, 18];
    const trials = 400;
    const deadline = Date.now() + 30_000;
    const outcomes = { closed: 0, response: 0, nothing: 0 };
    for (let start = 0; start < trials && Date.now() < deadline; start += 25) {
      await Promise.all(
        Array.from({ length: 25 }, async () => {
          const client = await ProtocolClient.connect(kiln.bootstrap);
          try {
            let bytes: Buffer;
            const kind = int(3);
            if (kind === 0) {
              // Anything at all.
              bytes = randomBytes(1 + int(64));
            } else {
              // A well-sized frame: a header for a real API and version, then garbage.
              const apiKey = apis[int(apis.length)]!;
              const api = apiSchema(apiKey)!;
              const version = kind === 1 ? 0 + int(20) : api.versions.min;
              bytes = frame((w) => {
                w.int16(apiKey).int16(version).int32(int(1000)).string('fuzz');
                w.raw(randomBytes(int(200)));
              });
            }
            client.sendRaw(bytes);
            // A bounded wait, on purpose: garbage may leave the broker waiting for the rest of a
            // frame, and "nothing" has no event to await. Every outcome is acceptable; what is
            // tested is that the broker still serves afterwards.
            outcomes[await outcome(client, 100)]++;
          } finally {
            client.close();
          }
        }),
      );
      if (start % 100 === 0) await expectServing(kiln);
    }
    expect(outcomes.closed + outcomes.response + outcomes.nothing).toBeGreaterThanOrEqual(300);
    await expectServing(kiln);
  });

  it('answers Produce of a corrupt or garbage batch with an error code', async () => {
    const client = await ProtocolClient.connect(kiln.bootstrap);
    try {
      // A good batch with one byte changed after the CRC: CORRUPT_MESSAGE.
      const corrupt = Buffer.from(batchOf(3, 'corrupt'));
      corrupt[corrupt.length - 1]! ^= 0xff;
      expect(partitionError(await produce(client, 'net-records', corrupt))).toBe(2);
      // Garbage with a plausible size and magic 2.
      const random = seededRandom(7);
      for (let trial = 0; trial < 20; trial++) {
        const garbage = Buffer.from(Array.from({ length: 61 + trial * 7 }, () => Math.floor(random() * 256)));
        garbage.writeInt32BE(garbage.length - 12, 8);
        garbage[16] = 2;
        expect([2, 87]).toContain(partitionError(await produce(client, 'net-records', garbage)));
      }
      // Too short to be a batch.
      expect([2, 87]).toContain(partitionError(await produce(client, 'net-records', Buffer.from([1, 2, 3]))));
      // Two batches for one partition: INVALID_RECORD.
      const two = Buffer.concat([batchOf(1, 'a'), batchOf(1, 'b')]);
      expect(partitionError(await produce(client, 'net-records', two))).toBe(87);
      // Message format v0 and v1 with Produce v3+: refused (Kafka answers UNSUPPORTED_FOR_MESSAGE_FORMAT
      // or INVALID_RECORD depending on version).
      for (const magic of [0, 1] as const) {
        expect([43, 87]).toContain(
          partitionError(await produce(client, 'net-records', legacyMessageSet(magic))),
        );
      }
      // Nothing of it reached the log; a good batch still goes in at offset 0.
      const ok = await produce(client, 'net-records', batchOf(2, 'good'));
      expect(partitionError(ok)).toBe(0);
      expect(((ok.responses as Message[])[0]!.partitionResponses as Message[])[0]!.baseOffset).toBe(0);
    } finally {
      client.close();
    }
    await expectServing(kiln);
  });

  it('answers a long-poll Fetch as soon as a Produce lands, and keeps a Fetch behind it in order', async () => {
    await createTopic(kiln, 'net-longpoll');
    const consumer = await ProtocolClient.connect(kiln.bootstrap);
    const producer = await ProtocolClient.connect(kiln.bootstrap);
    const longPolls = watchLongPolls();
    try {
      const maxWaitMs = 20_000;
      const finished: string[] = [];
      const first = consumer.request(1, 4, fetchRequest('net-longpoll', maxWaitMs)).then((r) => {
        finished.push('long poll');
        return { response: r, at: Date.now() };
      });
      const second = consumer.request(1, 4, fetchRequest('net-longpoll', 0, 0)).then((r) => {
        finished.push('behind');
        return { response: r, at: Date.now() };
      });
      // Parked in the broker: the empty partition did not answer it (a fetch answered at once
      // would never wait, and this would time out). Neither is answered yet; had the one behind
      // been sent first, the client would have failed the long poll on its correlation id.
      await longPolls.parked('net-longpoll-0');
      expect(finished).toEqual([]);
      const producing = Date.now();
      expect(partitionError(await produce(producer, 'net-longpoll', batchOf(3, 'lp')))).toBe(0);
      const a = await first;
      const b = await second;
      // Woken by the append, not by its max wait running out; answered with what was appended.
      expect(a.at - producing).toBeLessThan(maxWaitMs / 2);
      expect(fetchedRecords(a.response).length).toBeGreaterThan(0);
      expect(finished).toEqual(['long poll', 'behind']);
      expect(b.at).toBeGreaterThanOrEqual(a.at);
    } finally {
      longPolls.restore();
      consumer.close();
      producer.close();
    }
  });
});

describe('stopping a broker', () => {
  it('answers a pending long-poll Fetch (or closes) and stops within two seconds', async () => {
    const kiln = await startBroker();
    let stopped = false;
    const longPolls = watchLongPolls();
    try {
      await createTopic(kiln, 'net-stop');
      const client = await ProtocolClient.connect(kiln.bootstrap);
      const answer = client.request(1, 4, fetchRequest('net-stop', 20_000)).then(
        () => 'answered',
        () => 'failed',
      );
      const closed = client.closed.then(() => 'closed');
      // Stopped only once the fetch waits: a stop before it arrived would test nothing.
      await longPolls.parked('net-stop-0');
      const started = Date.now();
      await kiln.stop();
      stopped = true;
      expect(Date.now() - started).toBeLessThan(2000);
      expect(await Promise.race([answer, closed])).toBe('answered');
      client.close();
    } finally {
      longPolls.restore();
      if (!stopped) await kiln.stop();
    }
  });
});
