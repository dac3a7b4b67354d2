// The prebuilt Produce encoder must write, byte for byte, what the schema codec writes.
import { describe, expect, it } from 'vitest';
import { ProduceApi } from '../../../server/protocol/apis/produce.js';
import { decodeMessage, encodeMessage } from '../../../server/protocol/codec.js';
import { decodeRequestHeaderStart, skipHeaderTaggedFields } from '../../../server/protocol/headers.js';
import { ProtocolReader } from '../../../server/protocol/reader.js';
import { inRange } from '../../../server/protocol/schema.js';
import { ProtocolWriter } from '../../../server/protocol/writer.js';
import { ProduceRequestEncoder } from '../../../tools/perf/produce-request.js';

function viaCodec(version: number, correlationId: number, body: Record<string, unknown>): Buffer {
  const flexible = inRange(version, ProduceApi.flexible);
  const w = new ProtocolWriter({ sizePrefix: true });
  w.int16(0).int16(version).int32(correlationId).string('perf-client');
  if (flexible) w.unsignedVarint(0);
  encodeMessage(ProduceApi.request, version, flexible, body, w);
  return w.toBuffer();
}

describe('ProduceRequestEncoder', () => {
  const batches = [
    { partition: 2, records: Buffer.alloc(3000, 7) },
    { partition: 0, records: Buffer.from('small batch bytes') },
    { partition: 11, records: Buffer.alloc(200, 1) },
  ];

  for (let version = ProduceApi.versions.min; version <= ProduceApi.versions.max; version++) {
    it(`encodes Produce v${version} as the codec does`, () => {
      for (const acks of [0, 1, -1]) {
        for (const count of [1, 3]) {
          const some = batches.slice(0, count);
          const encoder = new ProduceRequestEncoder(version, 'perf-client', 'tópico', acks, 30_000);
          const frame = Buffer.concat(encoder.encode(0x12345678, some));
          const expected = viaCodec(version, 0x12345678, {
            transactionalId: null,
            acks,
            timeoutMs: 30_000,
            topicData: [
              {
                name: 'tópico',
                partitionData: some.map((b) => ({ index: b.partition, records: b.records })),
              },
            ],
          });
          expect(frame.equals(expected)).toBe(true);

          // And the broker's decoder reads it back.
          const reader = new ProtocolReader(frame, 4);
          const header = decodeRequestHeaderStart(reader);
          expect(header).toEqual({
            apiKey: 0,
            apiVersion: version,
            correlationId: 0x12345678,
            clientId: 'perf-client',
          });
          const flexible = inRange(version, ProduceApi.flexible);
          if (flexible) skipHeaderTaggedFields(reader);
          const body = decodeMessage(ProduceApi.request, version, flexible, reader);
          expect(reader.remaining).toBe(0);
          expect(body.acks).toBe(acks);
          const topicData = body.topicData as {
            name: string;
            partitionData: { index: number; records: Buffer }[];
          }[];
          expect(topicData[0]!.name).toBe('tópico');
          expect(topicData[0]!.partitionData.map((p) => p.index)).toEqual(some.map((b) => b.partition));
          topicData[0]!.partitionData.forEach((p, i) =>
            expect(p.records.equals(some[i]!.records)).toBe(true),
          );
        }
      }
    });
  }

  it('references the batches instead of copying them', () => {
    const encoder = new ProduceRequestEncoder(9, 'c', 't', 1, 1000);
    const parts = encoder.encode(1, batches);
    for (const b of batches) expect(parts).toContain(b.records);
  });
});
