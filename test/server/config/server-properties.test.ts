import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LOG_CONFIG, TOPIC_PROPERTIES, parsePropertyValue } from '../../../engine/index.js';
import { buildBrokerConfig } from '../../../server/config/broker-config.js';
import { BROKER_PROPERTIES } from '../../../server/config/broker-properties.js';
import { parseProperties } from '../../../server/config/properties-file.js';
import { renderServerProperties } from '../../../server/config/server-properties-doc.js';

const checkedIn = fileURLToPath(new URL('../../../server/server.properties', import.meta.url));

describe('server/server.properties', () => {
  it('is what the registry generates (run the generator after changing a property)', () => {
    expect(fs.readFileSync(checkedIn, 'utf8')).toBe(renderServerProperties());
  });

  it('lists every accepted property, and its defaults uncommented start the broker as no file does', () => {
    const text = renderServerProperties();
    for (const property of BROKER_PROPERTIES) {
      const name = property.name.replace(/\./g, '\\.');
      // Ignored and deprecated ones are listed together at the end; the rest each on a line of their own.
      const line =
        property.ignored || property.deprecated
          ? new RegExp(`[ ,]${name}(,|\n)`)
          : new RegExp(`^#${name}=`, 'm');
      expect(text, property.name).toMatch(line);
    }
    // The file as shipped sets nothing.
    expect(parseProperties(text, 'server.properties')).toEqual({});
    const uncommented = text
      .split('\n')
      .filter((line) => /^#[a-z][a-z0-9._]*=\S/.test(line))
      .map((line) => line.slice(1))
      .join('\n');
    const config = buildBrokerConfig(parseProperties(uncommented, 'defaults'));
    const plain = buildBrokerConfig({});
    expect({ ...config, properties: {} }).toEqual({ ...plain, properties: {} });
    expect(config.warnings).toEqual([]);
  });
});

describe('the property registries', () => {
  it('every default is valid for its own type and range, and documented', () => {
    for (const property of BROKER_PROPERTIES) {
      expect(property.doc.length, property.name).toBeGreaterThan(10);
      if (property.default !== null && !property.ignored)
        expect(() => parsePropertyValue(property.name, property, property.default!)).not.toThrow();
    }
    for (const property of TOPIC_PROPERTIES) expect(property.doc.length, property.name).toBeGreaterThan(10);
    // Every topic property has a broker default but the throttled replica lists, as in Kafka.
    expect(TOPIC_PROPERTIES.filter((p) => p.synonyms.length === 0).map((p) => p.name)).toEqual([
      'follower.replication.throttled.replicas',
      'leader.replication.throttled.replicas',
    ]);
  });

  it("the topic registry's defaults are the engine's defaults", () => {
    for (const property of TOPIC_PROPERTIES)
      expect(DEFAULT_LOG_CONFIG[property.key], property.name).toEqual(
        parsePropertyValue(property.name, property, property.default),
      );
  });

  it("only the first broker synonym of a topic property is dynamic, as in Kafka (and Kiln's limits)", () => {
    const dynamic = BROKER_PROPERTIES.filter((p) => p.dynamic !== 'read-only').map((p) => p.name);
    const expected = [
      ...TOPIC_PROPERTIES.flatMap((p) => p.synonyms.slice(0, 1).map((s) => s.name)),
      // The replication throttles' rates, per broker as in Kafka.
      'leader.replication.throttled.rate',
      'follower.replication.throttled.rate',
      'kiln.max.partitions',
      'kiln.max.partitions.per.topic',
      // Not used by Kiln, accepted as Kafka accepts them.
      'num.network.threads',
      'num.io.threads',
      'num.recovery.threads.per.data.dir',
      'num.replica.fetchers',
      'log.cleaner.threads',
      'sasl.kerberos.min.time.before.relogin',
    ];
    expect(dynamic.sort()).toEqual(expected.sort());
    expect(dynamic).toContain('log.retention.ms');
    expect(dynamic).not.toContain('log.retention.hours');
  });
});

describe('log.message.format.version in server.properties', () => {
  it('was ignored without a word; now accepted as the topic default and warned about at start', () => {
    const config = buildBrokerConfig({ 'log.message.format.version': '2.4-IV1' });
    expect(config.warnings).toEqual([
      'log.message.format.version is deprecated since Kafka 3.0 and ignored: Kiln always writes record format v2',
    ]);
    expect(config.logDefaults.messageFormatVersion).toBe('2.4-IV1');
    expect(buildBrokerConfig({}).warnings).toEqual([]);
  });
});
