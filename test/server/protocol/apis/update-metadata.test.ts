import { describe, expect, it } from 'vitest';
import { UpdateMetadataApi } from '../../../../server/protocol/apis/update-metadata.js';
import { type Message } from '../../../../server/protocol/codec.js';
import {
  checkEveryVersion,
  encodeBody,
  wire,
  decodeBody,
  expectWire,
  int32s,
} from '../../../helpers/message-roundtrip.js';

/** A topic id (v7+): 16 bytes, URL-safe base64 without padding. */
const TOPIC_ID = 'AAECAwQFBgcICQoLDA0ODw';

/** A broker epoch past 2^32, so both halves of the int64 matter. */
const BROKER_EPOCH = 2 ** 34 + 5;
const PLAINTEXT = 0;
const SASL_SSL = 3;

/** What a sender may set in a partition state, in any version. */
const state = {
  topicName: 'orders',
  partitionIndex: 1,
  controllerEpoch: 6,
  leader: 2,
  leaderEpoch: 8,
  isr: [2, 3],
  zkVersion: 17,
  replicas: [2, 3, 4],
  offlineReplicas: [4],
};

/** A broker as each version may carry it: v0's host and port, v1+'s endpoints, v2+'s rack. */
const broker = {
  id: 2,
  v0Host: 'kiln-2',
  v0Port: 9092,
  endpoints: [
    { port: 9092, host: 'kiln-2', listener: 'PLAINTEXT', securityProtocol: PLAINTEXT },
    { port: 9094, host: 'kiln-2.example', listener: 'EXTERNAL', securityProtocol: SASL_SSL },
  ],
  rack: 'rack-a',
};

function request(version: number): Message {
  const { topicName, ...grouped } = state;
  return {
    controllerId: 1,
    controllerEpoch: 6,
    brokerEpoch: BROKER_EPOCH,
    ungroupedPartitionStates: version <= 4 ? [state, { ...state, partitionIndex: 0 }] : [],
    topicStates:
      version >= 5
        ? [
            {
              topicName,
              ...(version >= 7 ? { topicId: TOPIC_ID } : {}),
              partitionStates: [grouped, { ...grouped, partitionIndex: 0 }],
            },
          ]
        : [],
    liveBrokers: [broker, { ...broker, id: 3, rack: null }],
  };
}

describe('UpdateMetadata schema', () => {
  it('is key 6, versions 0-7, flexible from 6', () => {
    expect(UpdateMetadataApi.key).toBe(6);
    expect(UpdateMetadataApi.versions).toEqual({ min: 0, max: 7 });
    expect(UpdateMetadataApi.flexible).toEqual({ min: 6, max: Infinity });
  });

  it('round-trips a request in every version, a null rack included', () => {
    checkEveryVersion(UpdateMetadataApi, 'request', request);
  });

  it('round-trips a response in every version', () => {
    checkEveryVersion(UpdateMetadataApi, 'response', { errorCode: 0 });
    checkEveryVersion(UpdateMetadataApi, 'response', { errorCode: 41 });
  });

  it('v0 request: flat partition states, and a broker with one host and port', () => {
    const bytes = wire((w) => {
      w.int32(1).int32(6);
      w.arrayLength(1, false);
      w.string('orders').int32(1).int32(6).int32(2).int32(8);
      int32s(w, [2, 3], false);
      w.int32(17);
      int32s(w, [2, 3, 4], false);
      w.arrayLength(1, false).int32(2).string('kiln-2').int32(9092);
    });
    const sent = { ...request(0), ungroupedPartitionStates: [state], liveBrokers: [broker] };
    expectWire(UpdateMetadataApi, 'request', 0, sent, bytes, {
      controllerId: 1,
      controllerEpoch: 6,
      brokerEpoch: -1,
      ungroupedPartitionStates: [{ ...state, offlineReplicas: [] }],
      topicStates: [],
      // Endpoints and rack are not in v0: they read back as their defaults.
      liveBrokers: [{ id: 2, v0Host: 'kiln-2', v0Port: 9092, endpoints: [], rack: '' }],
    });
  });

  it('v1 request: endpoints (port, host, security protocol) instead of host and port, no rack', () => {
    const bytes = wire((w) => {
      w.int32(1).int32(6).arrayLength(0, false);
      w.arrayLength(1, false).int32(2);
      w.arrayLength(2, false);
      w.int32(9092).string('kiln-2').int16(PLAINTEXT);
      w.int32(9094).string('kiln-2.example').int16(SASL_SSL);
    });
    const sent = { ...request(1), ungroupedPartitionStates: [], liveBrokers: [broker] };
    const endpoints = broker.endpoints.map((endpoint) => ({ ...endpoint, listener: '' }));
    expect(encodeBody(UpdateMetadataApi, 'request', 1, sent)).toEqual(bytes);
    expect(decodeBody(UpdateMetadataApi, 'request', 1, bytes).liveBrokers).toEqual([
      { id: 2, v0Host: '', v0Port: 0, endpoints, rack: '' },
    ]);
  });

  it('v3 request: endpoints name their listener, and the rack follows them (null too)', () => {
    const bytes = wire((w) => {
      w.int32(1).int32(6).arrayLength(0, false);
      w.arrayLength(2, false);
      for (const [id, rack] of [
        [2, 'rack-a'],
        [3, null],
      ] as const) {
        w.int32(id).arrayLength(2, false);
        w.int32(9092).string('kiln-2').string('PLAINTEXT').int16(PLAINTEXT);
        w.int32(9094).string('kiln-2.example').string('EXTERNAL').int16(SASL_SSL);
        w.string(rack);
      }
    });
    const sent = { ...request(3), ungroupedPartitionStates: [] };
    expectWire(UpdateMetadataApi, 'request', 3, sent, bytes, {
      ...sent,
      brokerEpoch: -1,
      topicStates: [],
      liveBrokers: [
        { ...broker, v0Host: '', v0Port: 0 },
        { ...broker, id: 3, v0Host: '', v0Port: 0, rack: null },
      ],
    });
  });

  it("v4 request adds each partition's offline replicas", () => {
    const bytes = wire((w) => {
      w.int32(1).int32(6);
      w.arrayLength(1, false);
      w.string('orders').int32(1).int32(6).int32(2).int32(8);
      int32s(w, [2, 3], false);
      w.int32(17);
      int32s(w, [2, 3, 4], false);
      int32s(w, [4], false);
      w.arrayLength(0, false);
    });
    const sent = { ...request(4), ungroupedPartitionStates: [state], liveBrokers: [] };
    expectWire(UpdateMetadataApi, 'request', 4, sent, bytes, { ...sent, brokerEpoch: -1, topicStates: [] });
  });

  it('v6 request: broker epoch, states grouped by topic, compact forms and tagged-field sections', () => {
    const bytes = wire((w) => {
      w.int32(1).int32(6).int64(BROKER_EPOCH);
      w.arrayLength(1, true).compactString('orders');
      w.arrayLength(1, true).int32(1).int32(6).int32(2).int32(8);
      int32s(w, [2, 3], true);
      w.int32(17);
      int32s(w, [2, 3, 4], true);
      int32s(w, [4], true);
      w.unsignedVarint(0); // partition state's tagged fields
      w.unsignedVarint(0); // topic state's tagged fields
      w.arrayLength(1, true).int32(2);
      w.arrayLength(2, true);
      w.int32(9092).compactString('kiln-2').compactString('PLAINTEXT').int16(PLAINTEXT).unsignedVarint(0);
      w.int32(9094)
        .compactString('kiln-2.example')
        .compactString('EXTERNAL')
        .int16(SASL_SSL)
        .unsignedVarint(0);
      w.compactString('rack-a');
      w.unsignedVarint(0); // broker's tagged fields
      w.unsignedVarint(0); // request's tagged fields
    });
    const { topicName, ...grouped } = state;
    const sent = {
      controllerId: 1,
      controllerEpoch: 6,
      brokerEpoch: BROKER_EPOCH,
      // Not in v6: neither written nor read back.
      ungroupedPartitionStates: [state],
      topicStates: [{ topicName, partitionStates: [state] }],
      liveBrokers: [broker],
    };
    expectWire(UpdateMetadataApi, 'request', 6, sent, bytes, {
      ...sent,
      ungroupedPartitionStates: [],
      // The topic id (v7+) reads back as the zero id.
      topicStates: [
        { topicName, topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitionStates: [{ ...grouped, topicName: '' }] },
      ],
      liveBrokers: [{ ...broker, v0Host: '', v0Port: 0 }],
    });
  });

  it("v7 request: each topic's id follows its name (an older version neither writes nor reads it)", () => {
    const bytes = wire((w) => {
      w.int32(1).int32(6).int64(BROKER_EPOCH);
      w.arrayLength(1, true).compactString('orders').uuid(TOPIC_ID);
      w.arrayLength(0, true).unsignedVarint(0); // no partition states; topic state's tagged fields
      w.arrayLength(0, true); // no live brokers
      w.unsignedVarint(0); // request's tagged fields
    });
    const sent = {
      controllerId: 1,
      controllerEpoch: 6,
      brokerEpoch: BROKER_EPOCH,
      ungroupedPartitionStates: [],
      topicStates: [{ topicName: 'orders', topicId: TOPIC_ID, partitionStates: [] }],
      liveBrokers: [],
    };
    expectWire(UpdateMetadataApi, 'request', 7, sent, bytes, sent);
    const v6 = decodeBody(UpdateMetadataApi, 'request', 6, encodeBody(UpdateMetadataApi, 'request', 6, sent));
    expect(v6.topicStates).toEqual([
      { topicName: 'orders', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitionStates: [] },
    ]);
  });

  it('v0 and v6 responses: an error code', () => {
    expectWire(
      UpdateMetadataApi,
      'response',
      0,
      { errorCode: 0 },
      wire((w) => w.int16(0)),
      { errorCode: 0 },
    );
    expectWire(
      UpdateMetadataApi,
      'response',
      6,
      { errorCode: 41 },
      wire((w) => w.int16(41).unsignedVarint(0)),
      { errorCode: 41 },
    );
  });
});
