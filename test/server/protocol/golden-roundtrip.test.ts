import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage } from '../../../server/protocol/codec.js';
import {
  API_VERSIONS_KEY,
  decodeRequestHeaderStart,
  skipHeaderTaggedFields,
} from '../../../server/protocol/headers.js';
import { API_SCHEMAS, apiSchema } from '../../../server/protocol/apis/index.js';
import { ProtocolReader } from '../../../server/protocol/reader.js';
import { inRange } from '../../../server/protocol/schema.js';
import { ProtocolWriter } from '../../../server/protocol/writer.js';
import { goldenFrames } from '../../helpers/golden-frames.js';

/**
 * Every request and response captured between real clients and Kafka 2.4.1, for every API Kiln
 * has a schema for, decodes with no byte left over and encodes back to the same bytes.
 */
const frames = goldenFrames().filter((frame) => {
  const api = apiSchema(frame.apiKey);
  return api !== undefined && inRange(frame.apiVersion, api.versions);
});

describe('golden frames round-trip through the codec', () => {
  it('covers every API that has a schema', () => {
    const covered = new Set(frames.map((f) => f.apiKey));
    const withFixtures = new Set(goldenFrames().map((f) => f.apiKey));
    for (const api of API_SCHEMAS)
      if (withFixtures.has(api.key)) expect(covered.has(api.key), api.name).toBe(true);
  });

  for (const frame of frames) {
    const api = apiSchema(frame.apiKey)!;
    const flexible = inRange(frame.apiVersion, api.flexible);
    const label = `${frame.client} #${frame.seq} ${frame.apiName} v${frame.apiVersion}`;

    it(`${label} request`, () => {
      const reader = new ProtocolReader(frame.request);
      const header = decodeRequestHeaderStart(reader);
      expect([header.apiKey, header.apiVersion]).toEqual([frame.apiKey, frame.apiVersion]);
      if (flexible) skipHeaderTaggedFields(reader);
      const bodyStart = reader.offset;
      const message = decodeMessage(api.request, frame.apiVersion, flexible, reader);
      expect(reader.remaining).toBe(0);
      const writer = new ProtocolWriter();
      encodeMessage(api.request, frame.apiVersion, flexible, message, writer);
      expect(writer.toBuffer().equals(frame.request.subarray(bodyStart))).toBe(true);
    });

    if (frame.response) {
      const response = frame.response;
      it(`${label} response`, () => {
        const reader = new ProtocolReader(response);
        reader.int32(); // correlation id
        if (flexible && frame.apiKey !== API_VERSIONS_KEY) skipHeaderTaggedFields(reader);
        const bodyStart = reader.offset;
        const message = decodeMessage(api.response, frame.apiVersion, flexible, reader);
        expect(reader.remaining).toBe(0);
        const writer = new ProtocolWriter();
        encodeMessage(api.response, frame.apiVersion, flexible, message, writer);
        expect(writer.toBuffer().equals(response.subarray(bodyStart))).toBe(true);
      });
    }
  }
});
