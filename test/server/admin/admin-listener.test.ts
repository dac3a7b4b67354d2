import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBrokerConfig } from '../../../server/config.js';
import { startBroker, type RunningBroker } from '../../helpers/broker-fixture.js';

/** The admin listener's endpoints on a real broker (127.0.0.1, a free port). */
describe('admin listener', () => {
  let kiln: RunningBroker;
  let base: string;
  beforeAll(async () => {
    kiln = await startBroker({ 'kiln.admin.listener': 'http://127.0.0.1:0' });
    base = `http://127.0.0.1:${kiln.broker.adminPort!}`;
  });
  afterAll(async () => {
    await kiln.stop();
  });

  it('answers /healthz once the broker serves', async () => {
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('answers /readyz with 200 when data is loaded and the listener is open', async () => {
    const res = await fetch(`${base}/readyz`);
    expect(await res.json()).toEqual({ status: 'ready', reasons: [] });
    expect(res.status).toBe(200);
  });

  it('serves /metrics in the Prometheus text format, process metrics included', async () => {
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toContain('# TYPE kafka_server_brokertopicmetrics_bytesin_total counter');
    expect(text).toContain('# TYPE kafka_network_requestmetrics_totaltimems histogram');
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(text).toContain('nodejs_eventloop_lag_seconds');
    expect(text).toMatch(/^kafka_controller_kafkacontroller_activecontrollercount 1$/m);
    expect(text).toMatch(/^kiln_log_cleaner_passes_total \d+$/m);
    expect(text).toContain('# TYPE kiln_worker_pool_queue_size gauge');
  });

  it('answers an unknown path with 404 and another method with 405, in JSON', async () => {
    const missing = await fetch(`${base}/nothing-here`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: 'not found', path: '/nothing-here' });
    const posted = await fetch(`${base}/metrics`, { method: 'POST', body: 'x' });
    expect(posted.status).toBe(405);
    expect(posted.headers.get('allow')).toBe('GET, HEAD');
    expect(await posted.json()).toMatchObject({ error: 'method not allowed', method: 'POST' });
  });
});

describe('kiln.admin.listener', () => {
  it('none starts no admin listener', async () => {
    const kiln = await startBroker({ 'kiln.admin.listener': 'none' });
    try {
      expect(kiln.broker.adminPort).toBeUndefined();
    } finally {
      await kiln.stop();
    }
  });

  it('is http://127.0.0.1:9644 by default', () => {
    expect(buildBrokerConfig({}).adminListener).toEqual({ host: '127.0.0.1', port: 9644 });
    expect(buildBrokerConfig({ 'kiln.admin.listener': 'http://[::1]:9700' }).adminListener).toEqual({
      host: '::1',
      port: 9700,
    });
  });

  it('refuses a bad value, naming the property', () => {
    for (const bad of [
      'https://127.0.0.1:9644',
      '127.0.0.1:9644',
      'http://127.0.0.1',
      'http://127.0.0.1:70000',
    ]) {
      expect(() => buildBrokerConfig({ 'kiln.admin.listener': bad }), bad).toThrow(
        /^kiln\.admin\.listener: /,
      );
    }
  });

  it('a port in use stops the start with an error naming the property', async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      await expect(startBroker({ 'kiln.admin.listener': `http://127.0.0.1:${port}` })).rejects.toThrow(
        /kiln\.admin\.listener: cannot listen on 127\.0\.0\.1:\d+: the port is already in use/,
      );
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
