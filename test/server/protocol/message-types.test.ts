/**
 * Type-level checks of message-types.ts: each `@ts-expect-error` line must fail to compile, and
 * `npm test` runs the typecheck first, so a type that stopped catching the mistake fails the run.
 * The runtime assertions check that the typed values are what the codec really produces.
 */
import { describe, expect, it } from 'vitest';
import { SyncGroupApi } from '../../../server/protocol/apis/sync-group.js';
import { MetadataApi } from '../../../server/protocol/apis/metadata.js';
import { HeartbeatApi } from '../../../server/protocol/apis/heartbeat.js';
import { reply, type Handler } from '../../../server/handlers/registry.js';
import { decodeMessage, encodeMessage } from '../../../server/protocol/codec.js';
import type { InVersions, RequestOf, ResponseOf } from '../../../server/protocol/message-types.js';
import { ProtocolReader } from '../../../server/protocol/reader.js';
import { ProtocolWriter } from '../../../server/protocol/writer.js';

type SyncRequest = RequestOf<typeof SyncGroupApi>;
type SyncResponse = ResponseOf<typeof SyncGroupApi>;

describe('message types derived from the schemas', () => {
  it('a decoded request has every field, typed', () => {
    const w = new ProtocolWriter();
    const sent: SyncRequest = {
      groupId: 'g',
      generationId: 3,
      memberId: 'm',
      groupInstanceId: null,
      protocolType: null,
      protocolName: null,
      assignments: [{ memberId: 'm', assignment: Buffer.from([1, 2]) }],
    };
    encodeMessage(SyncGroupApi.request, 3, false, sent, w);
    const got = decodeMessage(
      SyncGroupApi.request,
      3,
      false,
      new ProtocolReader(w.toBuffer()),
    ) as SyncRequest;
    const generation: number = got.generationId;
    const instance: string | null = got.groupInstanceId;
    const first: Buffer | undefined = got.assignments[0]?.assignment;
    expect([generation, instance, first]).toEqual([3, null, Buffer.from([1, 2])]);
    // @ts-expect-error a number field is not a string
    const wrong: string = got.generationId;
    // @ts-expect-error a misspelt field does not exist
    void got.generationID;
    // @ts-expect-error a field that may not be null in any version is not nullable
    got.groupId = null;
    void wrong;
  });

  it('a request of one version has only that version’s fields', () => {
    const v2 = {} as RequestOf<typeof SyncGroupApi, 2>;
    const v5 = {} as RequestOf<typeof SyncGroupApi, 5>;
    void v2.memberId;
    void v5.protocolName;
    // @ts-expect-error groupInstanceId arrives in version 3
    void v2.groupInstanceId;
    // @ts-expect-error protocolName arrives in version 5
    void v2.protocolName;
    const ranges: [InVersions<2, '3+'>, InVersions<3, '3+'>, InVersions<4, '0-3'>, InVersions<1, '1'>] = [
      false,
      true,
      false,
      true,
    ];
    expect(ranges).toEqual([false, true, false, true]);
  });

  it('a response needs every always-present field and refuses a misspelt one', () => {
    const ok: SyncResponse = { errorCode: 0, assignment: Buffer.alloc(0) };
    const withOptional: SyncResponse = { ...ok, throttleTimeMs: 5, protocolName: null };
    // @ts-expect-error errorCode is in every version and has no default
    const missing: SyncResponse = { assignment: Buffer.alloc(0) };
    // @ts-expect-error a misspelt field is not silently written as its default
    const misspelt: SyncResponse = { errorCode: 0, assignment: Buffer.alloc(0), throtleTimeMs: 0 };
    const nested: ResponseOf<typeof MetadataApi> = {
      brokers: [{ nodeId: 0, host: 'h', port: 9092 }],
      topics: [],
    };
    const badNested: ResponseOf<typeof MetadataApi> = {
      // @ts-expect-error a nested struct's fields are checked too
      brokers: [{ nodeId: 0, host: 'h', prot: 1 }],
      topics: [],
    };
    void [missing, misspelt, badNested];
    expect(withOptional.throttleTimeMs).toBe(5);
    expect(nested.brokers[0]!.port).toBe(9092);
  });

  it('a handler answers through reply(): a misspelt or missing field, at any depth, does not compile', () => {
    const heartbeat: Handler<typeof HeartbeatApi> = {
      api: HeartbeatApi,
      handle: (request) =>
        reply(HeartbeatApi, { throttleTimeMs: 0, errorCode: request.generationId < 0 ? 22 : 0 }),
    };
    // @ts-expect-error errorCod is not a Heartbeat response field (an optional field misspelt)
    reply(HeartbeatApi, { errorCode: 0, throtleTimeMs: 0 });
    // @ts-expect-error errorCode is in every version of Heartbeat's response
    reply(HeartbeatApi, { throttleTimeMs: 0 });
    // A response built in steps: the compiler alone checks no extra field of the mapped objects.
    const brokers = [0, 1].map((nodeId) => ({ nodeId, host: 'h', port: 9092, rak: null }));
    // @ts-expect-error rak is not a Metadata broker field
    reply(MetadataApi, { brokers, topics: [] });
    const bare: Handler<typeof HeartbeatApi> = {
      api: HeartbeatApi,
      // @ts-expect-error a plain object is not an answer: only reply() checks it
      handle: () => ({ throttleTimeMs: 0, errorCode: 0 }),
    };
    const wrongField: Handler<typeof HeartbeatApi> = {
      api: HeartbeatApi,
      // @ts-expect-error a request field the API does not have cannot be read
      handle: (request) => reply(HeartbeatApi, { errorCode: request.generation }),
    };
    void [bare, wrongField];
    const context = {
      header: { apiKey: 12, apiVersion: 0, correlationId: 1, clientId: null },
      connection: undefined,
    };
    const request = { groupId: 'g', generationId: -1, memberId: 'm', groupInstanceId: null };
    expect(heartbeat.handle(request, 0, context)).toEqual({ throttleTimeMs: 0, errorCode: 22 });
  });
});
