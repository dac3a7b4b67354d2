import { afterEach, describe, expect, it } from 'vitest';
import { BrokerChannel, ChannelClosedError } from '../../../../server/cluster/controller/broker-channel.js';
import { MetadataApi } from '../../../../server/protocol/apis/metadata.js';
import { startBroker, type RunningBroker } from '../../../helpers/broker-fixture.js';
import { startTcpProxy, type TcpProxy } from '../../../helpers/tcp-proxy.js';
import { freePort } from '../../../helpers/zookeeper.js';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function broker(properties: Record<string, string> = {}): Promise<RunningBroker> {
  const b = await startBroker(properties);
  cleanup.push(() => b.stop());
  return b;
}

function channel(port: number): BrokerChannel {
  const c = new BrokerChannel(
    1,
    { host: '127.0.0.1', port },
    { clientId: 'controller-test', retryBackoffMs: 20 },
  );
  cleanup.push(() => c.close());
  return c;
}

const metadata = {
  topics: [],
  allowAutoTopicCreation: false,
  includeClusterAuthorizedOperations: false,
  includeTopicAuthorizedOperations: false,
};

describe("the controller's channel to a broker", () => {
  it('answers requests in the order they were queued', async () => {
    const b = await broker({ 'broker.id': '4' });
    const c = channel(b.broker.port);
    const answers = await Promise.all([1, 2, 3].map(() => c.send(MetadataApi, metadata)));
    expect(answers.map((a) => a.brokers[0]!.nodeId)).toEqual([4, 4, 4]);
    expect(c.pending).toBe(0);
  });

  it('keeps trying a broker that is not up yet, and delivers once it is', async () => {
    const port = await freePort();
    const c = channel(port);
    const answer = c.send(MetadataApi, metadata);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(c.pending).toBe(1);
    await broker({ listeners: `PLAINTEXT://127.0.0.1:${port}`, 'broker.id': '2' });
    expect((await answer).brokers[0]!.nodeId).toBe(2);
  });

  it('sends again what a dropped connection lost', async () => {
    const b = await broker();
    const proxy: TcpProxy = await startTcpProxy(b.broker.port);
    cleanup.push(() => proxy.close());
    const c = channel(proxy.port);
    await c.send(MetadataApi, metadata);
    proxy.cut();
    const answer = c.send(MetadataApi, metadata);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(c.pending).toBe(1);
    proxy.heal();
    expect((await answer).brokers).toHaveLength(1);
  });

  it('fails what is queued when closed, and refuses new requests', async () => {
    const c = channel(await freePort());
    const answer = c.send(MetadataApi, metadata);
    c.close();
    await expect(answer).rejects.toBeInstanceOf(ChannelClosedError);
    await expect(c.send(MetadataApi, metadata)).rejects.toThrow(
      "the controller's channel to broker 1 is closed",
    );
  });
});
