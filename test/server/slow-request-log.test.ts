// The slow request log leaves a Fetch's own long poll out of its time (kafkajs waits up to 5 s for
// records: every such fetch was logged as slow).
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { encodeMessage } from '../../server/protocol/codec.js';
import { FetchApi } from '../../server/protocol/apis/fetch.js';
import { ProtocolWriter } from '../../server/protocol/writer.js';
import { fetchMaxWaitMs, slowRequestLogger } from '../../server/slow-request-log.js';
import { fetchRequest } from '../helpers/fetch-request.js';

/** A Fetch request frame (header and body, no size prefix) of `version` with this max wait. */
function fetchFrame(version: number, maxWaitMs: number, clientId: string | null = 'consumer-1'): Buffer {
  const writer = new ProtocolWriter();
  writer.int16(FetchApi.key).int16(version).int32(7).string(clientId);
  const flexible = version >= 12;
  if (flexible) writer.unsignedVarint(0);
  const body = {
    ...fetchRequest('t', 0, 0, { maxWaitMs }),
    replicaState: { replicaId: -1, replicaEpoch: -1 },
  };
  encodeMessage(FetchApi.request, version, flexible, body, writer);
  return Buffer.concat(writer.toBuffers());
}

describe('the slow request log', () => {
  it('reads a Fetch max wait from every header and body layout (v4 to v16)', () => {
    for (const version of [4, 11, 12, 14, 15, 16]) {
      expect(fetchMaxWaitMs(fetchFrame(version, 5000), version), `v${version}`).toBe(5000);
      expect(fetchMaxWaitMs(fetchFrame(version, 250, null), version), `v${version} no client id`).toBe(250);
    }
    expect(fetchMaxWaitMs(Buffer.alloc(6), 11)).toBe(0);
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
      key === FetchApi.key ? 'Fetch' : undefined,
    );
    const slow = (apiKey: number, ms: number, frame: Buffer) =>
      log({ apiKey, apiVersion: 11, clientId: 'c', remote: '127.0.0.1:1', ms, frame });
    slow(FetchApi.key, 5003, fetchFrame(11, 5000));
    expect(lines).toEqual([]);
    slow(FetchApi.key, 6500, fetchFrame(11, 5000));
    slow(0, 1500, Buffer.alloc(12));
    expect(lines.map((l) => JSON.parse(l) as { msg: string; ms: number })).toMatchObject([
      { msg: 'slow request', api: 'Fetch', ms: 6500 },
      { msg: 'slow request', api: 0, ms: 1500 },
    ]);
  });
});
