import { describe, expect, it } from 'vitest';
import { LeaderAndIsrApi } from '../../../../server/protocol/apis/leader-and-isr.js';
import { type Message } from '../../../../server/protocol/codec.js';
import {
  checkEveryVersion,
  encodeBody,
  wire,
  decodeBody,
  expectWire,
  int32s,
} from '../../../helpers/message-roundtrip.js';

/** A broker epoch past 2^32, so both halves of the int64 matter. */
const BROKER_EPOCH = 2 ** 33 + 7;

/** What a sender may set in a partition state, in any version. */
const state = {
  topicName: 'orders',
  partitionIndex: 3,
  controllerEpoch: 9,
  leader: 1,
  leaderEpoch: 12,
  isr: [1, 2],
  zkVersion: 40,
  replicas: [1, 2, 3],
  addingReplicas: [3],
  removingReplicas: [4],
  isNew: true,
};

const liveLeaders = [{ brokerId: 1, hostName: 'kiln-1', port: 9092 }];

function request(version: number): Message {
  const { topicName, ...grouped } = state;
  return {
    controllerId: 2,
    controllerEpoch: 9,
    brokerEpoch: BROKER_EPOCH,
    ungroupedPartitionStates:
      version <= 1 ? [state, { ...state, topicName: 'audit', partitionIndex: 0 }] : [],
    topicStates:
      version >= 2 ? [{ topicName, partitionStates: [grouped, { ...grouped, partitionIndex: 0 }] }] : [],
    liveLeaders,
  };
}

const response = {
  errorCode: 0,
  partitionErrors: [
    { topicName: 'orders', partitionIndex: 3, errorCode: 0 },
    { topicName: 'orders', partitionIndex: 4, errorCode: 56 },
  ],
};

describe('LeaderAndIsr schema', () => {
  it('is key 4, versions 0-4, flexible from 4', () => {
    expect(LeaderAndIsrApi.key).toBe(4);
    expect(LeaderAndIsrApi.versions).toEqual({ min: 0, max: 4 });
    expect(LeaderAndIsrApi.flexible).toEqual({ min: 4, max: Infinity });
  });

  it('round-trips a request and a response in every version', () => {
    checkEveryVersion(LeaderAndIsrApi, 'request', request);
    checkEveryVersion(LeaderAndIsrApi, 'response', response);
  });

  it('v0 request: partition states listed flat, each naming its topic; no epoch, isNew or reassignment', () => {
    const bytes = wire((w) => {
      w.int32(2).int32(9);
      w.arrayLength(1, false);
      w.string('orders').int32(3).int32(9).int32(1).int32(12);
      int32s(w, [1, 2], false);
      w.int32(40);
      int32s(w, [1, 2, 3], false);
      w.arrayLength(1, false).int32(1).string('kiln-1').int32(9092);
    });
    const sent = { ...request(0), ungroupedPartitionStates: [state] };
    expectWire(LeaderAndIsrApi, 'request', 0, sent, bytes, {
      controllerId: 2,
      controllerEpoch: 9,
      brokerEpoch: -1,
      ungroupedPartitionStates: [{ ...state, addingReplicas: [], removingReplicas: [], isNew: false }],
      topicStates: [],
      liveLeaders,
    });
  });

  it('v1 request adds isNew at the end of each partition state', () => {
    const bytes = wire((w) => {
      w.int32(2).int32(9);
      w.arrayLength(1, false);
      w.string('orders').int32(3).int32(9).int32(1).int32(12);
      int32s(w, [1, 2], false);
      w.int32(40);
      int32s(w, [1, 2, 3], false);
      w.bool(true);
      w.arrayLength(0, false);
    });
    const sent = { ...request(1), ungroupedPartitionStates: [state], liveLeaders: [] };
    expect(encodeBody(LeaderAndIsrApi, 'request', 1, sent)).toEqual(bytes);
    expect(decodeBody(LeaderAndIsrApi, 'request', 1, bytes).ungroupedPartitionStates).toEqual([
      { ...state, addingReplicas: [], removingReplicas: [] },
    ]);
  });

  it('v2 request: broker epoch, and partition states grouped by topic without their topic name', () => {
    const bytes = wire((w) => {
      w.int32(2).int32(9).int64(BROKER_EPOCH);
      w.arrayLength(1, false).string('orders');
      w.arrayLength(1, false).int32(3).int32(9).int32(1).int32(12);
      int32s(w, [1, 2], false);
      w.int32(40);
      int32s(w, [1, 2, 3], false);
      w.bool(true);
      w.arrayLength(0, false);
    });
    const { topicName, ...grouped } = state;
    const sent = {
      controllerId: 2,
      controllerEpoch: 9,
      brokerEpoch: BROKER_EPOCH,
      topicStates: [{ topicName, partitionStates: [grouped] }],
      liveLeaders: [],
    };
    expectWire(LeaderAndIsrApi, 'request', 2, sent, bytes, {
      ...sent,
      ungroupedPartitionStates: [],
      topicStates: [
        {
          topicName,
          partitionStates: [{ ...grouped, topicName: '', addingReplicas: [], removingReplicas: [] }],
        },
      ],
    });
  });

  it('v4 request: compact forms, adding and removing replicas, a tagged-field section in every struct', () => {
    const bytes = wire((w) => {
      w.int32(2).int32(9).int64(BROKER_EPOCH);
      w.arrayLength(1, true).compactString('orders');
      w.arrayLength(1, true).int32(3).int32(9).int32(1).int32(12);
      int32s(w, [1, 2], true);
      w.int32(40);
      int32s(w, [1, 2, 3], true);
      int32s(w, [3], true);
      int32s(w, [4], true);
      w.bool(true);
      w.unsignedVarint(0); // partition state's tagged fields
      w.unsignedVarint(0); // topic state's tagged fields
      w.arrayLength(1, true).int32(1).compactString('kiln-1').int32(9092).unsignedVarint(0);
      w.unsignedVarint(0); // request's tagged fields
    });
    const { topicName, ...grouped } = state;
    const sent = {
      controllerId: 2,
      controllerEpoch: 9,
      brokerEpoch: BROKER_EPOCH,
      // Not in v4: neither written nor read back.
      ungroupedPartitionStates: [state],
      topicStates: [{ topicName, partitionStates: [state] }],
      liveLeaders,
    };
    expectWire(LeaderAndIsrApi, 'request', 4, sent, bytes, {
      ...sent,
      ungroupedPartitionStates: [],
      topicStates: [{ topicName, partitionStates: [{ ...grouped, topicName: '' }] }],
    });
  });

  it('v0 and v4 responses: an error code, then each partition with its own', () => {
    const v0 = wire((w) => {
      w.int16(0).arrayLength(2, false);
      w.string('orders').int32(3).int16(0);
      w.string('orders').int32(4).int16(56);
    });
    expectWire(LeaderAndIsrApi, 'response', 0, response, v0, response);
    const v4 = wire((w) => {
      w.int16(0).arrayLength(2, true);
      w.compactString('orders').int32(3).int16(0).unsignedVarint(0);
      w.compactString('orders').int32(4).int16(56).unsignedVarint(0);
      w.unsignedVarint(0);
    });
    expectWire(LeaderAndIsrApi, 'response', 4, response, v4, response);
  });
});
