// The link proxy tells brokers from clients by the client id of a connection's first request:
// read from the bytes Kiln's own Connection writes, and mapped to a broker only for the ids Kiln's
// brokers use.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { brokerOfClientId, clientIdOf, peerOfHead } from '../../../bench/chaos/kafka-client-id.js';
import { Connection } from '../../../tools/client/kafka-client.js';

/** A request header as Kafka frames it: size, api key, version, correlation id, client id. */
function header(clientId: string | null): Buffer {
  const id = clientId === null ? Buffer.alloc(0) : Buffer.from(clientId);
  const b = Buffer.alloc(14 + id.length);
  b.writeInt32BE(10 + id.length, 0);
  b.writeInt16BE(18, 4);
  b.writeInt16BE(3, 6);
  b.writeInt32BE(1, 8);
  b.writeInt16BE(clientId === null ? -1 : id.length, 12);
  id.copy(b, 14);
  return b;
}

let server: net.Server | undefined;
afterEach(() => server?.close());

describe('clientIdOf', () => {
  it('reads the client id once enough bytes have come', () => {
    const full = header('kiln-replica-fetcher-2');
    expect(clientIdOf(full.subarray(0, 13))).toBeUndefined();
    expect(clientIdOf(full.subarray(0, 20))).toBeUndefined();
    expect(clientIdOf(full)).toBe('kiln-replica-fetcher-2');
    expect(clientIdOf(header(null))).toBeNull();
  });

  it("reads the first request Kiln's Connection sends (ApiVersions)", async () => {
    const heads: Buffer[] = [];
    server = net.createServer((socket) => socket.once('data', (chunk: Buffer) => heads.push(chunk)));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    // Nothing answers, so the connection fails after its setup timeout; the bytes were sent.
    await expect(Connection.open('127.0.0.1', port, 'kiln-controller-3', 300)).rejects.toThrow();
    expect(clientIdOf(heads[0]!)).toBe('kiln-controller-3');
  });
});

describe('brokerOfClientId and peerOfHead', () => {
  it("name a broker only for Kiln brokers' client ids", () => {
    expect(brokerOfClientId('kiln-controller-1')).toBe(1);
    expect(brokerOfClientId('kiln-replica-fetcher-12')).toBe(12);
    expect(brokerOfClientId('kiln-broker-5')).toBe(5);
    expect(brokerOfClientId('rdkafka')).toBeNull();
    expect(brokerOfClientId('kiln-controller-x')).toBeNull();
    expect(brokerOfClientId(null)).toBeNull();
    expect(peerOfHead(header('kiln-replica-fetcher-4'))).toBe('broker-4');
    expect(peerOfHead(header('chaos-producer-0'))).toBe('client');
    expect(peerOfHead(header('kiln-').subarray(0, 15))).toBeUndefined();
  });
});
