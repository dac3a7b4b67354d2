import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Broker } from '../../../server/broker.js';
import { buildBrokerConfig } from '../../../server/config.js';
import { ProtocolClient } from '../../helpers/protocol-client.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { waitFor } from '../../helpers/wait-for.js';

/** Connections are logged at debug; requests over kiln.log.slow.request.ms at info. */
describe('request and connection logging', () => {
  let dir: string;
  let broker: Broker;
  const lines: Record<string, unknown>[] = [];
  beforeAll(async () => {
    dir = makeTempDir('kiln-request-logging-');
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n'))
          if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    broker = new Broker(
      buildBrokerConfig({
        listeners: 'PLAINTEXT://127.0.0.1:0',
        'log.dirs': dir,
        'kiln.admin.listener': 'none',
        // Every request takes longer than 0 ms: each one is "slow".
        'kiln.log.slow.request.ms': '0',
      }),
      pino({ level: 'debug' }, sink),
    );
    await broker.start();
  });
  afterAll(async () => {
    await broker.stop();
    removeTempDir(dir);
  });

  it('logs a client connecting and disconnecting, and a slow request with its API and client id', async () => {
    const client = await ProtocolClient.connect(`127.0.0.1:${broker.port}`);
    await client.request(18, 3, { clientSoftwareName: 'x', clientSoftwareVersion: '1' }, 'logged-client');
    const slow = lines.find((l) => l.msg === 'slow request');
    expect(slow).toMatchObject({ level: 30, api: 'ApiVersions', version: 3, clientId: 'logged-client' });
    expect(typeof slow!.ms).toBe('number');
    expect(
      lines.some((l) => l.level === 20 && /^client connected from 127\.0\.0\.1:\d+$/.test(String(l.msg))),
    ).toBe(true);
    client.close();
    await waitFor(() => lines.some((l) => /^client 127\.0\.0\.1:\d+ disconnected$/.test(String(l.msg))), {
      what: 'the disconnection to be logged',
    });
  });

  it('logs no slow request at -1', () => {
    expect(buildBrokerConfig({ 'kiln.log.slow.request.ms': '-1' }).slowRequestMs).toBe(-1);
    expect(buildBrokerConfig({}).slowRequestMs).toBe(1000);
    expect(() => buildBrokerConfig({ 'kiln.log.slow.request.ms': 'soon' })).toThrow(
      /^kiln\.log\.slow\.request\.ms: /,
    );
  });
});
