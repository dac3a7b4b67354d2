import { describe, expect, it } from 'vitest';
import { ControlledShutdownApi } from '../../../../server/protocol/apis/controlled-shutdown.js';
import { checkEveryVersion, wire, expectWire } from '../../../helpers/message-roundtrip.js';

/** A broker epoch past 2^32, so both halves of the int64 matter. */
const BROKER_EPOCH = 2 ** 36 + 11;

const request = { brokerId: 3, brokerEpoch: BROKER_EPOCH };

const response = {
  errorCode: 0,
  remainingPartitions: [
    { topicName: 'orders', partitionIndex: 1 },
    { topicName: 'audit', partitionIndex: 0 },
  ],
};

describe('ControlledShutdown schema', () => {
  it('is key 7, versions 0-3, flexible from 3', () => {
    expect(ControlledShutdownApi.key).toBe(7);
    expect(ControlledShutdownApi.versions).toEqual({ min: 0, max: 3 });
    expect(ControlledShutdownApi.flexible).toEqual({ min: 3, max: Infinity });
  });

  it('round-trips a request and a response in every version', () => {
    checkEveryVersion(ControlledShutdownApi, 'request', request);
    checkEveryVersion(ControlledShutdownApi, 'response', response);
  });

  it('v0 and v1 requests name the broker only; its epoch reads back as -1', () => {
    const bytes = wire((w) => w.int32(3));
    expectWire(ControlledShutdownApi, 'request', 0, request, bytes, { brokerId: 3, brokerEpoch: -1 });
    expectWire(ControlledShutdownApi, 'request', 1, request, bytes, { brokerId: 3, brokerEpoch: -1 });
  });

  it('v2 request adds the broker epoch; v3 is flexible', () => {
    expectWire(
      ControlledShutdownApi,
      'request',
      2,
      request,
      wire((w) => w.int32(3).int64(BROKER_EPOCH)),
      request,
    );
    const v3 = wire((w) => w.int32(3).int64(BROKER_EPOCH).unsignedVarint(0));
    expectWire(ControlledShutdownApi, 'request', 3, request, v3, request);
  });

  it('v0 and v3 responses: an error code and the partitions the broker still leads', () => {
    const v0 = wire((w) => {
      w.int16(0).arrayLength(2, false);
      w.string('orders').int32(1);
      w.string('audit').int32(0);
    });
    expectWire(ControlledShutdownApi, 'response', 0, response, v0, response);
    const v3 = wire((w) => {
      w.int16(0).arrayLength(2, true);
      w.compactString('orders').int32(1).unsignedVarint(0);
      w.compactString('audit').int32(0).unsignedVarint(0);
      w.unsignedVarint(0);
    });
    expectWire(ControlledShutdownApi, 'response', 3, response, v3, response);
  });

  it('a shutdown refused by a non-controller carries its error and no partitions', () => {
    const refused = { errorCode: 41, remainingPartitions: [] };
    expectWire(
      ControlledShutdownApi,
      'response',
      3,
      refused,
      wire((w) => w.int16(41).arrayLength(0, true).unsignedVarint(0)),
      refused,
    );
  });
});
