import { describe, expect, it } from 'vitest';
import { StopReplicaApi } from '../../../../server/protocol/apis/stop-replica.js';
import { checkEveryVersion, wire, expectWire } from '../../../helpers/message-roundtrip.js';

/** A broker epoch past 2^32, so both halves of the int64 matter. */
const BROKER_EPOCH = 2 ** 40 + 3;

/** Both layouts filled in; each version writes only its own. */
const request = {
  controllerId: 1,
  controllerEpoch: 4,
  brokerEpoch: BROKER_EPOCH,
  deletePartitions: true,
  ungroupedPartitions: [
    { topicName: 'orders', partitionIndex: 0 },
    { topicName: 'orders', partitionIndex: 2 },
  ],
  topics: [{ name: 'orders', partitionIndexes: [0, 2] }],
};

const response = {
  errorCode: 0,
  partitionErrors: [
    { topicName: 'orders', partitionIndex: 0, errorCode: 0 },
    { topicName: 'orders', partitionIndex: 2, errorCode: 3 },
  ],
};

describe('StopReplica schema', () => {
  it('is key 5, versions 0-2, flexible from 2', () => {
    expect(StopReplicaApi.key).toBe(5);
    expect(StopReplicaApi.versions).toEqual({ min: 0, max: 2 });
    expect(StopReplicaApi.flexible).toEqual({ min: 2, max: Infinity });
  });

  it('round-trips a request and a response in every version', () => {
    checkEveryVersion(StopReplicaApi, 'request', request);
    checkEveryVersion(StopReplicaApi, 'response', response);
  });

  it('v0 request: topic-partition pairs, no broker epoch', () => {
    const bytes = wire((w) => {
      w.int32(1).int32(4).bool(true);
      w.arrayLength(2, false).string('orders').int32(0).string('orders').int32(2);
    });
    expectWire(StopReplicaApi, 'request', 0, request, bytes, { ...request, brokerEpoch: -1, topics: [] });
  });

  it('v1 request: the broker epoch, and partition indexes grouped by topic', () => {
    const bytes = wire((w) => {
      w.int32(1).int32(4).int64(BROKER_EPOCH).bool(true);
      w.arrayLength(1, false).string('orders').arrayLength(2, false).int32(0).int32(2);
    });
    expectWire(StopReplicaApi, 'request', 1, request, bytes, { ...request, ungroupedPartitions: [] });
  });

  it('v2 request: compact forms and tagged-field sections', () => {
    const bytes = wire((w) => {
      w.int32(1).int32(4).int64(BROKER_EPOCH).bool(true);
      w.arrayLength(1, true).compactString('orders').arrayLength(2, true).int32(0).int32(2);
      w.unsignedVarint(0); // topic's tagged fields
      w.unsignedVarint(0); // request's tagged fields
    });
    expectWire(StopReplicaApi, 'request', 2, request, bytes, { ...request, ungroupedPartitions: [] });
  });

  it('v0 and v2 responses: an error code, then each partition with its own', () => {
    const v0 = wire((w) => {
      w.int16(0).arrayLength(2, false);
      w.string('orders').int32(0).int16(0);
      w.string('orders').int32(2).int16(3);
    });
    expectWire(StopReplicaApi, 'response', 0, response, v0, response);
    const v2 = wire((w) => {
      w.int16(0).arrayLength(2, true);
      w.compactString('orders').int32(0).int16(0).unsignedVarint(0);
      w.compactString('orders').int32(2).int16(3).unsignedVarint(0);
      w.unsignedVarint(0);
    });
    expectWire(StopReplicaApi, 'response', 2, response, v2, response);
  });
});
