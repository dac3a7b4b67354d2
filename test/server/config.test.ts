import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, buildBrokerConfig, readPropertiesFile } from '../../server/config.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));

describe('broker configuration', () => {
  let dir: string;
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(() => removeTempDir(dir));

  it('defaults to 127.0.0.1:9092, ./data, one partition, seven days of retention', () => {
    const config = buildBrokerConfig({});
    expect(config.listeners).toEqual([{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9092 }]);
    expect(config.advertisedListeners).toEqual(config.listeners);
    expect(config.logDirs).toEqual(['./data']);
    expect(config.numPartitions).toBe(1);
    expect(config.autoCreateTopics).toBe(true);
    expect(config.logDefaults.retentionMs).toBe(7 * 24 * 3600 * 1000);
    expect(config.logDefaults.maxMessageBytes).toBe(1048588);
  });

  it('maps the broker log.* settings onto topic defaults, the finest time unit winning', () => {
    const config = buildBrokerConfig({
      'log.retention.hours': '1',
      'log.retention.minutes': '30',
      'log.segment.bytes': '1048576',
      'message.max.bytes': '2000000',
      'log.cleanup.policy': 'compact',
      'log.dirs': '/a, /b',
      'advertised.listeners': 'EXTERNAL://kiln.example:19092',
    });
    expect(config.logDefaults.retentionMs).toBe(30 * 60_000);
    expect(config.logDefaults.segmentBytes).toBe(1048576);
    expect(config.logDefaults.maxMessageBytes).toBe(2000000);
    expect(config.logDefaults.cleanupPolicy).toBe('compact');
    expect(config.logDirs).toEqual(['/a', '/b']);
    expect(config.advertisedListeners[0]).toEqual({ name: 'EXTERNAL', host: 'kiln.example', port: 19092 });
    expect(
      buildBrokerConfig({ 'log.retention.ms': '-1', 'log.retention.hours': '5' }).logDefaults.retentionMs,
    ).toBe(-1);
  });

  it("Kafka's own KRaft server.properties starts, with warnings for what Kiln does not know", () => {
    const config = buildBrokerConfig({
      'process.roles': 'broker,controller',
      'node.id': '1',
      'controller.quorum.voters': '1@localhost:9093',
      listeners: 'PLAINTEXT://:9092,CONTROLLER://:9093',
      'inter.broker.listener.name': 'PLAINTEXT',
      'advertised.listeners': 'PLAINTEXT://localhost:9092',
      'controller.listener.names': 'CONTROLLER',
      'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      'num.network.threads': '3',
      'num.io.threads': '8',
      'socket.send.buffer.bytes': '102400',
      'socket.receive.buffer.bytes': '102400',
      'socket.request.max.bytes': '104857600',
      'log.dirs': '/tmp/kraft-combined-logs',
      'num.partitions': '1',
      'num.recovery.threads.per.data.dir': '1',
      'offsets.topic.replication.factor': '1',
      'transaction.state.log.replication.factor': '1',
      'transaction.state.log.min.isr': '1',
      'log.retention.hours': '168',
      'log.segment.bytes': '1073741824',
      'log.retention.check.interval.ms': '300000',
    });
    expect(config.brokerId).toBe(1);
    expect(config.advertisedListeners[0]).toEqual({ name: 'PLAINTEXT', host: 'localhost', port: 9092 });
    expect(config.warnings.map((w) => w.split(':')[0])).toEqual([
      'process.roles',
      'controller.quorum.voters',
      'controller.listener.names',
    ]);
  });

  it('accepts the Kafka properties it ignores, so an existing server.properties works', () => {
    expect(() =>
      buildBrokerConfig({ 'num.network.threads': '3', 'zookeeper.connect': 'localhost:2181' }),
    ).not.toThrow();
  });

  it('an unknown property is a warning, not an error (Kafka logs and ignores it)', () => {
    const config = buildBrokerConfig({ 'log.retention.hourz': '1', 'num.partitions': '2' });
    expect(config.warnings).toEqual(['log.retention.hourz: not a known broker property, ignored']);
    expect(config.numPartitions).toBe(2);
    expect(config.properties).not.toHaveProperty('log.retention.hourz');
  });

  it.each([
    ['num.partitions', 'three', /whole number/],
    ['num.partitions', '0', /below the minimum 1/],
    ['auto.create.topics.enable', 'yes', /true or false/],
    ['listeners', 'localhost:9092', /NAME:\/\/host:port/],
    ['log.segment.bytes', '5', /below the minimum 14/],
    ['log.cleanup.policy', 'shred', /delete, compact/],
    ['log.retention.hours', 'soon', /whole number/],
    ['log.retention.minutes', '-5', /below the minimum -1/],
    ['message.max.bytes', '3000000000', /out of range for an int/],
    ['offsets.retention.minutes', '0', /below the minimum 1/],
  ])('rejects %s=%s naming the property', (key, value, message) => {
    let error: unknown;
    try {
      buildBrokerConfig({ [key]: value });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).property).toBe(key);
    expect((error as Error).message).toMatch(message);
  });

  it('queued.max.request.bytes below socket.request.max.bytes is refused, naming both', () => {
    expect(() =>
      buildBrokerConfig({ 'queued.max.request.bytes': '1000', 'socket.request.max.bytes': '2000' }),
    ).toThrow(/queued\.max\.request\.bytes.*1000 is below socket\.request\.max\.bytes \(2000\)/);
    const config = buildBrokerConfig({
      'queued.max.request.bytes': '2000',
      'socket.request.max.bytes': '2000',
    });
    expect(config.queuedMaxRequestBytes).toBe(2000);
  });

  it('zookeeper.connect means cluster mode: servers as host:port, an optional chroot, timeouts', () => {
    expect(buildBrokerConfig({}).zookeeper).toBeNull();
    expect(buildBrokerConfig({ 'zookeeper.connect': 'zk1:2181,zk2:2182/kiln' }).zookeeper).toEqual({
      connect: 'zk1:2181,zk2:2182/kiln',
      sessionTimeoutMs: 18000,
      // Unset, the connection timeout is the session timeout, as in Kafka.
      connectionTimeoutMs: 18000,
    });
    const timed = buildBrokerConfig({
      'zookeeper.connect': '127.0.0.1:2181',
      'zookeeper.session.timeout.ms': '6000',
      'zookeeper.connection.timeout.ms': '1500',
      'broker.rack': 'r2',
    });
    expect(timed.zookeeper).toMatchObject({ sessionTimeoutMs: 6000, connectionTimeoutMs: 1500 });
    expect(timed.rack).toBe('r2');
    for (const bad of ['zk1', 'zk1:99999', 'zk1:2181,', 'zk1:2181/', 'zk1:2181/a//b']) {
      expect(() => buildBrokerConfig({ 'zookeeper.connect': bad }), bad).toThrow(ConfigError);
      expect(() => buildBrokerConfig({ 'zookeeper.connect': bad }), bad).toThrow(/zookeeper\.connect/);
    }
  });

  it('connections.max.idle.ms=0 is refused (-1 means never)', () => {
    expect(() => buildBrokerConfig({ 'connections.max.idle.ms': '0' })).toThrow(/-1 means never/);
    expect(buildBrokerConfig({ 'connections.max.idle.ms': '-1' }).connectionsMaxIdleMs).toBe(-1);
  });

  it('two listeners with the same name are refused (the second was never bound)', () => {
    expect(() =>
      buildBrokerConfig({ listeners: 'PLAINTEXT://127.0.0.1:19206,PLAINTEXT://127.0.0.1:19207' }),
    ).toThrow(/listeners: listener name PLAINTEXT is used more than once/);
  });

  it('reads server.properties files with comments and both separators', () => {
    const file = path.join(dir, 'server.properties');
    fs.writeFileSync(file, '# a comment\n! another\n\nbroker.id=3\nlog.dirs : /tmp/x\nnum.partitions= 4\n');
    expect(readPropertiesFile(file)).toEqual({
      'broker.id': '3',
      'log.dirs': '/tmp/x',
      'num.partitions': '4',
    });
    fs.writeFileSync(file, 'just words\n');
    expect(() => readPropertiesFile(file)).toThrow(/server\.properties:1/);
  });

  it('the server refuses to start with a bad value, naming it, exit code 2', async () => {
    const error = await run(
      process.execPath,
      ['--import', 'tsx', 'server/main.ts', '--override', 'log.retention.hours=soon'],
      {
        cwd: root,
        timeout: 30_000,
      },
    ).catch((err: { code: number; stderr: string }) => err);
    expect((error as { code: number }).code).toBe(2);
    expect((error as { stderr: string }).stderr).toContain(
      "log.retention.hours: expected a whole number, got 'soon'",
    );
  });

  it.each([
    ['PLAINTEXT://0.0.0.0:9092', '0.0.0.0'],
    ['PLAINTEXT://[::]:9092', '::'],
  ])('listeners=%s without advertised.listeners is refused, as Kafka refuses it', (listeners, host) => {
    let error: unknown;
    try {
      buildBrokerConfig({ listeners });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).property).toBe('advertised.listeners');
    expect((error as Error).message).toContain(`clients cannot connect to ${host}`);
    const config = buildBrokerConfig({ listeners, 'advertised.listeners': 'PLAINTEXT://kiln.example:9092' });
    expect(config.listeners[0]!.host).toBe(host);
    expect(config.advertisedListeners[0]!.host).toBe('kiln.example');
    expect(() => buildBrokerConfig({ 'advertised.listeners': listeners })).toThrow(
      /cannot be given to clients/,
    );
  });

  it('node.id wins over broker.id, log.dirs over log.dir, offsets.retention.ms over minutes', () => {
    const config = buildBrokerConfig({
      'broker.id': '1',
      'node.id': '4',
      'log.dir': '/single',
      'offsets.retention.minutes': '2',
    });
    expect(config.brokerId).toBe(4);
    expect(config.logDirs).toEqual(['/single']);
    expect(buildBrokerConfig({ 'log.dir': '/single', 'log.dirs': '/a,/b' }).logDirs).toEqual(['/a', '/b']);
    expect(buildBrokerConfig({}).logDirs).toEqual(['./data']);
    expect(config.offsetsRetentionMs).toBe(120_000);
    expect(buildBrokerConfig({}).offsetsRetentionMs).toBe(10080 * 60_000);
    expect(
      buildBrokerConfig({ 'offsets.retention.ms': '5', 'offsets.retention.minutes': '2' }).offsetsRetentionMs,
    ).toBe(5);
  });

  it("transactional.id.expiration.ms sets producer id expiration when producer.id.expiration.ms is not given (Kafka 2.x's setting was warned about as unknown)", () => {
    expect(buildBrokerConfig({}).producerIdExpirationMs).toBe(86_400_000);
    const legacy = buildBrokerConfig({ 'transactional.id.expiration.ms': '3600000' });
    expect(legacy.producerIdExpirationMs).toBe(3_600_000);
    expect(legacy.warnings).toEqual([]);
    expect(
      buildBrokerConfig({ 'transactional.id.expiration.ms': '3600000', 'producer.id.expiration.ms': '60000' })
        .producerIdExpirationMs,
    ).toBe(60_000);
    expect(() => buildBrokerConfig({ 'transactional.id.expiration.ms': '0' })).toThrow(/below the minimum 1/);
  });
});
