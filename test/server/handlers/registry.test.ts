import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BrokerContext } from '../../../server/broker-context.js';
import type { AppendWaiters } from '../../../server/cluster/append-waiters.js';
import { apiVersionsHandler } from '../../../server/handlers/api-versions.js';
import { produceHandler } from '../../../server/handlers/produce.js';
import { HandlerRegistry, reply, type Handler } from '../../../server/handlers/registry.js';
import type { ResponseFrame } from '../../../server/network/connection.js';
import { ApiVersionsApi } from '../../../server/protocol/apis/api-versions.js';
import { FetchApi } from '../../../server/protocol/apis/fetch.js';
import { MetadataApi } from '../../../server/protocol/apis/metadata.js';
import { ProduceApi } from '../../../server/protocol/apis/produce.js';
import { decodeMessage, type Message } from '../../../server/protocol/codec.js';
import { ProtocolError } from '../../../server/protocol/protocol-error.js';
import { ProtocolReader } from '../../../server/protocol/reader.js';
import { ProtocolWriter } from '../../../server/protocol/writer.js';
import { mapFile } from '../../../engine/segment/mapped-file.js';
import { FIXTURES_DIR } from '../../helpers/golden-frames.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';

const HANDCRAFTED = path.join(FIXTURES_DIR, 'handcrafted');

function golden(name: string): Buffer {
  return fs.readFileSync(path.join(HANDCRAFTED, name));
}

function registry(): HandlerRegistry {
  const metadata: Handler<typeof MetadataApi> = {
    api: MetadataApi,
    handle: () =>
      reply(MetadataApi, { brokers: [], topics: [], clusterId: 'c', controllerId: 0, throttleTimeMs: 0 }),
  };
  const r = new HandlerRegistry();
  return r.register(metadata).register(apiVersionsHandler(r));
}

async function handle(r: HandlerRegistry, frame: Buffer): Promise<Buffer | null> {
  const response: ResponseFrame | null = await r.handle(frame);
  if (!response) return null;
  const whole = Buffer.concat(response.buffers);
  expect(whole.readInt32BE(0)).toBe(whole.length - 4);
  return whole.subarray(4);
}

/** An ApiVersions request frame (no size prefix) of any version, v3's body from v3 on. */
function apiVersionsRequest(version: number, correlationId: number): Buffer {
  const w = new ProtocolWriter();
  w.int16(18).int16(version).int32(correlationId).string('kiln-test');
  if (version >= 3) w.unsignedVarint(0).compactString('kiln-test').compactString('1.0').unsignedVarint(0);
  return w.toBuffer();
}

function decodeApiVersions(frame: Buffer, version: number): { correlationId: number; body: Message } {
  const reader = new ProtocolReader(frame);
  const correlationId = reader.int32();
  const body = decodeMessage(ApiVersionsApi.response, version, version >= 3, reader);
  expect(reader.remaining).toBe(0);
  return { correlationId, body };
}

describe('HandlerRegistry', () => {
  it('answers ApiVersions v0 to v3 with every registered API, header v0 always', async () => {
    const r = registry();
    for (let version = 0; version <= 3; version++) {
      const frame = await handle(r, apiVersionsRequest(version, 100 + version));
      const { correlationId, body } = decodeApiVersions(frame!, version);
      expect(correlationId).toBe(100 + version);
      expect(body.errorCode).toBe(0);
      expect(body.apiKeys).toEqual([
        { apiKey: 3, minVersion: 0, maxVersion: 12 },
        { apiKey: 18, minVersion: 0, maxVersion: 3 },
      ]);
    }
  });

  it('answers the handcrafted ApiVersions v4 request byte for byte as Kafka 2.4.1 did', async () => {
    const response = await handle(registry(), golden('0001-ApiVersions-v4-request.bin'));
    const expected = golden('0001-ApiVersions-v4-response.bin');
    // Kafka lists ApiVersions' own range only (KIP-511), in the v0 format.
    const decoded = decodeApiVersions(expected, 0);
    expect(decoded.correlationId).toBe(1);
    expect(decoded.body.errorCode).toBe(35);
    expect(decoded.body.apiKeys).toEqual([{ apiKey: 18, minVersion: 0, maxVersion: 3 }]);
    expect(decodeApiVersions(response!, 0)).toEqual(decoded);
    expect(response!.equals(expected)).toBe(true);
  });

  it('answers any ApiVersions version out of range, even with a body it cannot parse', async () => {
    for (const version of [4, 5, 99, 0x7fff, -1]) {
      const w = new ProtocolWriter();
      w.int16(18).int16(version).int32(7).string(null).int8(0x7f);
      const { correlationId, body } = decodeApiVersions((await handle(registry(), w.toBuffer()))!, 0);
      expect(correlationId).toBe(7);
      expect(body.errorCode).toBe(35);
      expect(body.apiKeys).toEqual([{ apiKey: 18, minVersion: 0, maxVersion: 3 }]);
    }
  });

  it('refuses an unknown API key or an unsupported version with a ProtocolError', () => {
    const r = registry();
    // The handcrafted Metadata v10 request, as v13 (Kiln speaks up to v12).
    const metadata = Buffer.from(golden('0002-Metadata-v10-request.bin'));
    metadata.writeInt16BE(13, 2);
    expect(() => r.handle(metadata)).toThrow(ProtocolError);
    const unknown = Buffer.from(metadata);
    unknown.writeInt16BE(999, 0);
    expect(() => r.handle(unknown)).toThrow(/unknown API key 999/);
    const negative = Buffer.from(metadata);
    negative.writeInt16BE(-1, 2);
    expect(() => r.handle(negative)).toThrow(ProtocolError);
  });

  it('refuses truncated headers and a client id longer than the frame', () => {
    const r = registry();
    const request = apiVersionsRequest(2, 1);
    for (let length = 0; length < 10; length++) {
      expect(() => r.handle(request.subarray(0, length)), `length ${length}`).toThrow(ProtocolError);
    }
    const huge = Buffer.from(request);
    huge.writeInt16BE(0x7fff, 8);
    expect(() => r.handle(huge)).toThrow(ProtocolError);
  });

  it('calls reusable only the frames of handlers whose requests the engine copies (Produce)', () => {
    const r = registry();
    const produce = produceHandler({} as BrokerContext, {} as AppendWaiters);
    expect(produce.requestCopied).toBe(true);
    r.register(produce);
    const frameOf = (apiKey: number): Buffer => {
      const frame = Buffer.alloc(8);
      frame.writeInt16BE(apiKey, 0);
      return frame;
    };
    expect(r.frameReusable(frameOf(ProduceApi.key))).toBe(true);
    expect(r.frameReusable(frameOf(MetadataApi.key))).toBe(false);
    expect(r.frameReusable(frameOf(999))).toBe(false);
    expect(r.frameReusable(Buffer.alloc(1))).toBe(false);
  });

  it('a response of heap buffers counts them all and needs nothing after sending', async () => {
    const r = registry();
    const writer = new ProtocolWriter();
    writer.int16(MetadataApi.key).int16(0).int32(1).string('c').int32(0);
    const response = (await r.handle(writer.toBuffer()))!;
    expect(response.heapBytes).toBe(response.buffers.reduce((n, b) => n + b.length, 0));
    expect(response.afterSend).toBeUndefined();
  });

  it('a response carrying mapped slices counts only its heap bytes and releases the pages once sent', async () => {
    const dir = makeTempDir('kiln-registry-');
    try {
      const file = path.join(dir, 'segment');
      fs.writeFileSync(file, Buffer.alloc(64 * 1024, 7));
      const fd = fs.openSync(file, 'r');
      const mapped = mapFile(fd, 64 * 1024, false);
      fs.closeSync(fd);
      const records = mapped.subarray(0, 32 * 1024);
      const r = new HandlerRegistry().register({
        api: FetchApi,
        handle: () =>
          reply(FetchApi, {
            errorCode: 0,
            sessionId: 0,
            responses: [
              { topic: 't', partitions: [{ partitionIndex: 0, errorCode: 0, highWatermark: 1, records }] },
            ],
          }),
      } satisfies Handler<typeof FetchApi>);
      const writer = new ProtocolWriter();
      writer.int16(FetchApi.key).int16(4).int32(1).string('c');
      writer
        .int32(-1)
        .int32(0)
        .int32(0)
        .int32(1 << 20)
        .int8(0)
        .int32(0);
      const response = (await r.handle(writer.toBuffer()))!;
      const total = response.buffers.reduce((n, b) => n + b.length, 0);
      expect(response.buffers).toContain(records);
      expect(response.heapBytes).toBe(total - records.length);
      expect(response.afterSend).toBeTypeOf('function');
      response.afterSend!();
      expect(records[100]).toBe(7); // released pages read back from the file
    } finally {
      removeTempDir(dir);
    }
  });

  it('refuses two handlers for one API', () => {
    const r = registry();
    expect(() => r.register(apiVersionsHandler(r))).toThrow(/two handlers/);
  });
});
