// The start line's fields: version, listeners, data dirs, and the properties that are not defaults.
import { describe, expect, it } from 'vitest';
import { buildBrokerConfig } from '../../server/config/broker-config.js';
import { kilnVersion } from '../../server/config/kiln-version.js';
import { HIDDEN, nonDefaultProperties, startLineFields } from '../../server/start-line.js';

describe('start line', () => {
  it('says the version, the listeners with the bound port, the data dirs and the non-default properties', () => {
    const config = buildBrokerConfig({
      listeners: 'PLAINTEXT://127.0.0.1:0',
      'log.dirs': '/data/a,/data/b',
      'num.partitions': '6',
      'auto.create.topics.enable': 'TRUE', // the default, however it is written
      'log.retention.hours': '168', // the default too
      'log.level': 'debug',
    });
    const fields = startLineFields(config, { port: 40123, clusterId: 'c1' });
    expect(fields).toEqual({
      version: kilnVersion(),
      host: '127.0.0.1',
      port: 40123,
      listeners: 'PLAINTEXT://127.0.0.1:40123',
      dirs: ['/data/a', '/data/b'],
      properties: {
        listeners: 'PLAINTEXT://127.0.0.1:0',
        'log.dirs': '/data/a,/data/b',
        'log.level': 'debug',
        'num.partitions': '6',
      },
    });
  });

  it('a broker started with nothing set lists no properties', () => {
    const fields = startLineFields(buildBrokerConfig({}), { port: 9092 });
    expect(fields.properties).toEqual({});
    expect(fields.listeners).toBe('PLAINTEXT://127.0.0.1:9092');
  });

  it('names ZooKeeper and the cluster in cluster mode', () => {
    const config = buildBrokerConfig({ 'zookeeper.connect': '127.0.0.1:2181/kiln' });
    expect(startLineFields(config, { port: 9092, clusterId: 'abc' })).toMatchObject({
      zookeeper: '127.0.0.1:2181/kiln',
      clusterId: 'abc',
    });
  });

  it("never writes a secret's value", () => {
    expect(nonDefaultProperties({ 'ssl.keystore.password': 'hunter2', 'num.partitions': '3' })).toEqual({
      'num.partitions': '3',
      'ssl.keystore.password': HIDDEN,
    });
  });
});
