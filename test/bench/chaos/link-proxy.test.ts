// The chaos run's TCP proxy in front of an echo server: blocking one peer drops and refuses its
// connections only; cutting all links either drops them or holds them silent until healed.
import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { peerOfHead } from '../../../bench/chaos/kafka-client-id.js';
import { LinkProxy } from '../../../bench/chaos/link-proxy.js';

/** A Kafka-style first request naming `clientId`, then some payload. */
function hello(clientId: string): Buffer {
  const id = Buffer.from(clientId);
  const b = Buffer.alloc(14 + id.length);
  b.writeInt32BE(10 + id.length, 0);
  b.writeInt16BE(18, 4);
  b.writeInt32BE(7, 8);
  b.writeInt16BE(id.length, 12);
  id.copy(b, 14);
  return b;
}

interface Peer {
  socket: net.Socket;
  received: () => string;
  closed: Promise<void>;
}

function connect(port: number, first: Buffer): Peer {
  const socket = net.connect(port, '127.0.0.1');
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.write(first);
  return { socket, received: () => text, closed };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether `marker`, written now, comes back within `ms`. */
async function echoes(peer: Peer, marker: string, ms = 1000): Promise<boolean> {
  peer.socket.write(marker);
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (peer.received().includes(marker)) return true;
    await sleep(10);
  }
  return false;
}

let echo: net.Server;
let proxy: LinkProxy;
const peers: Peer[] = [];

beforeEach(async () => {
  echo = net.createServer((socket) => {
    socket.on('error', () => {});
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  proxy = await LinkProxy.start({
    targetPort: (echo.address() as net.AddressInfo).port,
    identify: peerOfHead,
  });
});

afterEach(async () => {
  for (const p of peers.splice(0)) p.socket.destroy();
  await proxy.close();
  await new Promise((resolve) => echo.close(resolve));
});

function open(clientId: string): Peer {
  const peer = connect(proxy.port, hello(clientId));
  peers.push(peer);
  return peer;
}

describe('LinkProxy', () => {
  it('passes every byte both ways, the first request included', async () => {
    const peer = open('rdkafka');
    expect(await echoes(peer, 'ping-1')).toBe(true);
    expect(peer.received().startsWith(hello('rdkafka').toString('latin1'))).toBe(true);
    expect(proxy.connections('client')).toBe(1);
  });

  it("block(peer) drops and refuses that peer's connections only, until unblock", async () => {
    const fetcher = open('kiln-replica-fetcher-2');
    const other = open('kiln-replica-fetcher-3');
    const client = open('rdkafka');
    for (const p of [fetcher, other, client]) expect(await echoes(p, 'before')).toBe(true);

    proxy.block('broker-2');
    await fetcher.closed;
    const again = open('kiln-controller-2');
    await again.closed;
    expect(again.received()).toBe('');
    expect(await echoes(other, 'during')).toBe(true);
    expect(await echoes(client, 'during')).toBe(true);

    proxy.unblock('broker-2');
    expect(await echoes(open('kiln-replica-fetcher-2'), 'after')).toBe(true);
  });

  it("cutAll('drop') closes every link and refuses new ones until healAll", async () => {
    const client = open('rdkafka');
    expect(await echoes(client, 'before')).toBe(true);
    proxy.cutAll('drop');
    await client.closed;
    await open('rdkafka').closed;
    proxy.healAll();
    expect(await echoes(open('rdkafka'), 'after')).toBe(true);
  });

  it("cutAll('blackhole') holds links open but silent; healAll closes them", async () => {
    const held = open('rdkafka');
    expect(await echoes(held, 'before')).toBe(true);
    proxy.cutAll('blackhole');
    const late = open('rdkafka');
    expect(await echoes(held, 'during', 300)).toBe(false);
    expect(await echoes(late, 'during', 300)).toBe(false);
    expect(held.socket.destroyed).toBe(false);
    proxy.healAll();
    await Promise.all([held.closed, late.closed]);
    expect(await echoes(open('rdkafka'), 'after')).toBe(true);
  });

  it('forwards at once, without naming peers, when it has no identify', async () => {
    const plain = await LinkProxy.start({ targetPort: (echo.address() as net.AddressInfo).port });
    try {
      const peer = connect(plain.port, Buffer.from('x'));
      peers.push(peer);
      expect(await echoes(peer, 'plain')).toBe(true);
      expect(plain.connections('any')).toBe(1);
    } finally {
      await plain.close();
    }
  });
});
