// The reassignment fault: where it moves a partition (one replica to a broker that had none when
// there is one, else the same replicas in another order), and how it reads a broker's answer — a
// broker without the API, or answering UNSUPPORTED_VERSION, makes the run skip the kind. The
// answers come from a fake broker that speaks just ApiVersions and AlterPartitionReassignments.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { newReplicas, requestReassignment } from '../../../bench/chaos/reassignment.js';
import { AlterPartitionReassignmentsApi } from '../../../server/protocol/apis/alter-partition-reassignments.js';
import { ApiVersionsApi } from '../../../server/protocol/apis/api-versions.js';
import { encodeMessage, type Message } from '../../../server/protocol/codec.js';
import { ErrorCode } from '../../../server/protocol/error-codes.js';
import { ProtocolWriter } from '../../../server/protocol/writer.js';
import { Connection } from '../../../tools/client/kafka-client.js';

describe('newReplicas', () => {
  it('moves one replica, in place, to a broker outside the list', () => {
    expect(newReplicas([1, 2, 3], [1, 2, 3, 4, 5], [0, 0])).toEqual([4, 2, 3]);
    expect(newReplicas([1, 2, 3], [1, 2, 3, 4, 5], [0.9, 0.9])).toEqual([1, 2, 5]);
    for (let i = 0; i < 100; i++) {
      const next = newReplicas([5, 1, 3], [1, 2, 3, 4, 5], [Math.random(), Math.random()]);
      expect(new Set(next).size).toBe(3);
      expect(next.filter((b) => [5, 1, 3].includes(b))).toHaveLength(2);
    }
  });

  it('reorders the replicas when every broker already holds one', () => {
    expect(newReplicas([1, 2, 3], [1, 2, 3], [0, 0])).toEqual([2, 3, 1]);
    expect(newReplicas([1, 2, 3], [1, 2, 3], [0, 0.9])).toEqual([3, 1, 2]);
  });
});

/** How the fake broker answers AlterPartitionReassignments; undefined: it does not offer the API. */
type Answer = { errorCode: number; partitionError?: number } | undefined;

let server: net.Server | undefined;
let conn: Connection | undefined;
afterEach(async () => {
  conn?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(null)));
  server = undefined;
});

function respond(correlationId: number, flexibleHeader: boolean, fill: (w: ProtocolWriter) => void): Buffer {
  const writer = new ProtocolWriter({ sizePrefix: true });
  writer.int32(correlationId);
  if (flexibleHeader) writer.unsignedVarint(0);
  fill(writer);
  return writer.toBuffer();
}

async function fakeBroker(answer: Answer): Promise<Connection> {
  server = net.createServer((socket) => {
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
        const frame = pending.subarray(0, 4 + pending.readInt32BE(0));
        pending = pending.subarray(frame.length);
        const [key, version, correlationId] = [
          frame.readInt16BE(4),
          frame.readInt16BE(6),
          frame.readInt32BE(8),
        ];
        if (key === ApiVersionsApi.key) {
          const apiKeys = [{ apiKey: ApiVersionsApi.key, minVersion: 0, maxVersion: 3 }];
          if (answer)
            apiKeys.push({ apiKey: AlterPartitionReassignmentsApi.key, minVersion: 0, maxVersion: 0 });
          const body: Message = {
            errorCode: 0,
            apiKeys,
            throttleTimeMs: 0,
            supportedFeatures: [],
            finalizedFeatures: [],
          };
          socket.write(
            respond(correlationId, false, (w) =>
              encodeMessage(ApiVersionsApi.response, version, version >= 3, body, w),
            ),
          );
        } else if (key === AlterPartitionReassignmentsApi.key && answer) {
          const body: Message = {
            throttleTimeMs: 0,
            errorCode: answer.errorCode,
            errorMessage: null,
            responses:
              answer.partitionError === undefined
                ? []
                : [
                    {
                      name: 't',
                      partitions: [
                        { partitionIndex: 0, errorCode: answer.partitionError, errorMessage: null },
                      ],
                    },
                  ],
          };
          socket.write(
            respond(correlationId, true, (w) =>
              encodeMessage(AlterPartitionReassignmentsApi.response, 0, true, body, w),
            ),
          );
        }
      }
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  conn = await Connection.open(
    '127.0.0.1',
    (server.address() as net.AddressInfo).port,
    'kiln-chaos-observer',
  );
  return conn;
}

const partition = { topic: 't', partition: 0 };

/** What requestReassignment makes of a fake broker answering `answer`. */
async function outcome(answer: Answer, replicas = [2, 3, 1]): Promise<unknown> {
  try {
    return await requestReassignment(await fakeBroker(answer), partition, replicas);
  } finally {
    conn?.close();
    conn = undefined;
    await new Promise((resolve) => server!.close(resolve));
    server = undefined;
  }
}

describe('requestReassignment', () => {
  it('says a broker without AlterPartitionReassignments cannot do it', async () => {
    expect(await outcome(undefined)).toEqual({
      outcome: 'unsupported',
      reason: expect.stringMatching(/AlterPartitionReassignments/),
    });
  });

  it('says so too when the broker answers UNSUPPORTED_VERSION', async () => {
    expect(await outcome({ errorCode: ErrorCode.UNSUPPORTED_VERSION })).toEqual({
      outcome: 'unsupported',
      reason: 'UNSUPPORTED_VERSION',
    });
  });

  it('tells a broker that is not the controller from a refusal and from a started move', async () => {
    expect(await outcome({ errorCode: ErrorCode.NOT_CONTROLLER })).toBe('not-controller');
    expect(await outcome({ errorCode: 0, partitionError: ErrorCode.REASSIGNMENT_IN_PROGRESS })).toEqual({
      outcome: 'refused',
      reason: 'REASSIGNMENT_IN_PROGRESS',
    });
    expect(await outcome({ errorCode: 0, partitionError: 0 }, [3, 1, 2])).toEqual({
      outcome: 'started',
      replicas: [3, 1, 2],
    });
  });
});
