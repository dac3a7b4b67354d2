import { describe, expect, it } from 'vitest';
import { DeleteRecordsApi } from '../../../../server/protocol/apis/delete-records.js';
import { decodeMessage, encodeMessage, type Message } from '../../../../server/protocol/codec.js';
import { ProtocolReader } from '../../../../server/protocol/reader.js';
import { inRange, type FieldDef } from '../../../../server/protocol/schema.js';
import { ProtocolWriter } from '../../../../server/protocol/writer.js';

/** Encodes, decodes (nothing left over) and re-encodes to the same bytes; returns the decoded message. */
function roundTrip(fields: FieldDef[], version: number, message: Message): Message {
  const flexible = inRange(version, DeleteRecordsApi.flexible);
  const writer = new ProtocolWriter();
  encodeMessage(fields, version, flexible, message, writer);
  const bytes = writer.toBuffer();
  const reader = new ProtocolReader(bytes);
  const decoded = decodeMessage(fields, version, flexible, reader);
  expect(reader.remaining).toBe(0);
  const again = new ProtocolWriter();
  encodeMessage(fields, version, flexible, decoded, again);
  expect(again.toBuffer().equals(bytes)).toBe(true);
  return decoded;
}

describe('DeleteRecords schema', () => {
  for (let version = 0; version <= 2; version++) {
    it(`v${version} request survives a round trip`, () => {
      const request = {
        topics: [
          {
            name: 'orders',
            partitions: [
              { partitionIndex: 0, offset: 100 },
              { partitionIndex: 1, offset: -1 },
            ],
          },
        ],
        timeoutMs: 30000,
      };
      expect(roundTrip(DeleteRecordsApi.request, version, request)).toEqual(request);
    });

    it(`v${version} response survives a round trip`, () => {
      const response = {
        throttleTimeMs: 0,
        topics: [
          {
            name: 'orders',
            partitions: [
              { partitionIndex: 0, lowWatermark: 100, errorCode: 0 },
              { partitionIndex: 1, lowWatermark: -1, errorCode: 1 },
            ],
          },
        ],
      };
      expect(roundTrip(DeleteRecordsApi.response, version, response)).toEqual(response);
    });
  }
});
