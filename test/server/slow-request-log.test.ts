// The slow request log leaves out the waits a request asks for: a Fetch's own long poll (kafkajs
// waits up to 5 s for records: every such fetch was logged as slow), and a JoinGroup held for the
// group's other members (a new group's first join waits group.initial.rebalance.delay.ms, 3 s there: it
// was logged as slow every time).
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { encodeMessage, type Message } from '../../server/protocol/codec.js';
import { FetchApi } from '../../server/protocol/apis/fetch.js';
import { JoinGroupApi } from '../../server/protocol/apis/join-group.js';
import { SyncGroupApi } from '../../server/protocol/apis/sync-group.js';
import { inRange, type ApiDef } from '../../server/protocol/schema.js';
import { ProtocolWriter } from '../../server/protocol/writer.js';
import { requestedWaitMs, slowRequestLogger } from '../../server/slow-request-log.js';
import { fetchRequest } from '../helpers/fetch-request.js';

/** A request frame (header and body, no size prefix) of `api` at `version`. */
function frame(api: ApiDef, version: number, body: Message, clientId: string | null = 'consumer-1'): Buffer {
  const writer = new ProtocolWriter();
  writer.int16(api.key).int16(version).int32(7).string(clientId);
  const flexible = inRange(version, api.flexible);
  if (flexible) writer.unsignedVarint(0);
  encodeMessage(api.request, version, flexible, body, writer);
  return Buffer.concat(writer.toBuffers());
}

function fetchFrame(version: number, maxWaitMs: number, clientId: string | null = 'consumer-1'): Buffer {
  const body = {
    ...fetchRequest('t', 0, 0, { maxWaitMs }),
    replicaState: { replicaId: -1, replicaEpoch: -1 },
  };
  return frame(FetchApi, version, body, clientId);
}

function joinFrame(version: number, sessionTimeoutMs: number, rebalanceTimeoutMs: number): Buffer {
  return frame(JoinGroupApi, version, {
    groupId: 'g',
    sessionTimeoutMs,
    rebalanceTimeoutMs,
    memberId: '',
    groupInstanceId: null,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: Buffer.alloc(0) }],
    reason: null,
  });
}

describe('the slow request log', () => {
  it('reads a Fetch max wait from every header and body layout (v4 to v16)', () => {
    for (const version of [4, 11, 12, 14, 15, 16]) {
      expect(requestedWaitMs(fetchFrame(version, 5000)), `v${version}`).toBe(5000);
      expect(requestedWaitMs(fetchFrame(version, 250, null)), `v${version} no client id`).toBe(250);
    }
    expect(requestedWaitMs(Buffer.alloc(6))).toBe(0);
    expect(requestedWaitMs(fetchFrame(11, 5000).subarray(0, 20))).toBe(0);
  });

  it('reads a JoinGroup rebalance timeout (the session timeout before v1)', () => {
    expect(requestedWaitMs(joinFrame(0, 10_000, -1))).toBe(10_000);
    for (const version of [1, 5, 6, 9])
      expect(requestedWaitMs(joinFrame(version, 10_000, 300_000))).toBe(300_000);
  });

  it('a fetch that waited its own max wait is not slow; one that took longer, or any other slow request, is', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const log = slowRequestLogger(pino({}, sink), 1000, (key) =>
      key === FetchApi.key ? 'Fetch' : key === JoinGroupApi.key ? 'JoinGroup' : undefined,
    );
    const slow = (apiKey: number, ms: number, frame: Buffer) =>
      log({ apiKey, apiVersion: 11, clientId: 'c', remote: '127.0.0.1:1', ms, frame });
    slow(FetchApi.key, 5003, fetchFrame(11, 5000));
    slow(JoinGroupApi.key, 3004, joinFrame(5, 10_000, 300_000));
    slow(SyncGroupApi.key, 3004, Buffer.from([0, SyncGroupApi.key]));
    expect(lines).toEqual([]);
    slow(FetchApi.key, 6500, fetchFrame(11, 5000));
    slow(JoinGroupApi.key, 12_000, joinFrame(0, 10_000, -1));
    slow(0, 1500, Buffer.alloc(12));
    expect(lines.map((l) => JSON.parse(l) as { msg: string; ms: number })).toMatchObject([
      { msg: 'slow request', api: 'Fetch', ms: 6500 },
      { msg: 'slow request', api: 'JoinGroup', ms: 12_000 },
      { msg: 'slow request', api: 0, ms: 1500 },
    ]);
  });
});
