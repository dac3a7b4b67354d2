// A cut between two brokers, on the proxies in front of two real Kiln brokers: connections that
// broker 1 opens to broker 2 (and the other way) are dropped and refused, while a third broker's
// connections and a real client (kcat, librdkafka) still get through; healing lets them in again.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cutBrokerLink, healBrokerLink } from '../../../bench/chaos/broker-link.js';
import { peerOfHead } from '../../../bench/chaos/kafka-client-id.js';
import { LinkProxy } from '../../../bench/chaos/link-proxy.js';
import { MetadataApi } from '../../../server/protocol/apis/metadata.js';
import { Connection } from '../../../tools/client/kafka-client.js';
import { startBroker, type RunningBroker } from '../../helpers/broker-fixture.js';

const run = promisify(execFile);
const brokers = new Map<number, RunningBroker>();
const proxies = new Map<number, LinkProxy>();
const listenerOf = (id: number): LinkProxy => proxies.get(id)!;

beforeAll(async () => {
  for (const id of [1, 2]) {
    const broker = await startBroker();
    brokers.set(id, broker);
    proxies.set(id, await LinkProxy.start({ targetPort: broker.broker.port, identify: peerOfHead }));
  }
});

afterAll(async () => {
  for (const proxy of proxies.values()) await proxy.close();
  for (const broker of brokers.values()) await broker.stop();
});

/** Opens a connection to broker `to` (through its proxy) as `clientId` and asks Metadata. */
async function reaches(to: number, clientId: string): Promise<boolean> {
  try {
    const conn = await Connection.open('127.0.0.1', listenerOf(to).port, clientId, 3000);
    try {
      await conn.request(MetadataApi, { topics: [], allowAutoTopicCreation: false });
      return true;
    } finally {
      conn.close();
    }
  } catch {
    return false;
  }
}

async function kcatLists(to: number): Promise<boolean> {
  try {
    const { stdout } = await run('kcat', ['-b', listenerOf(to).address, '-L', '-m', '5'], {
      timeout: 20_000,
    });
    return stdout.includes('Metadata for all topics');
  } catch {
    return false;
  }
}

describe('cutBrokerLink', () => {
  it('parts the chosen pair of brokers and nobody else, until healed', async () => {
    // Before: everyone reaches everyone.
    expect(await reaches(2, 'kiln-replica-fetcher-1')).toBe(true);
    expect(await reaches(1, 'kiln-controller-2')).toBe(true);
    const early = await Connection.open('127.0.0.1', listenerOf(2).port, 'kiln-controller-1');
    await early.request(MetadataApi, { topics: [], allowAutoTopicCreation: false });

    cutBrokerLink(listenerOf, 1, 2);
    // The connection broker 1 had open to broker 2 is gone, and new ones either way are refused.
    await expect(early.request(MetadataApi, { topics: [], allowAutoTopicCreation: false })).rejects.toThrow();
    expect(await reaches(2, 'kiln-replica-fetcher-1')).toBe(false);
    expect(await reaches(2, 'kiln-controller-1')).toBe(false);
    expect(await reaches(2, 'kiln-broker-1')).toBe(false);
    expect(await reaches(1, 'kiln-replica-fetcher-2')).toBe(false);
    expect(await reaches(1, 'kiln-controller-2')).toBe(false);
    // A third broker and the clients are not affected.
    expect(await reaches(1, 'kiln-replica-fetcher-3')).toBe(true);
    expect(await reaches(2, 'kiln-controller-3')).toBe(true);
    expect(await reaches(2, 'kiln-chaos-observer')).toBe(true);
    expect(await kcatLists(1)).toBe(true);
    expect(await kcatLists(2)).toBe(true);

    healBrokerLink(listenerOf, 1, 2);
    expect(await reaches(2, 'kiln-replica-fetcher-1')).toBe(true);
    expect(await reaches(1, 'kiln-controller-2')).toBe(true);
  });
});
