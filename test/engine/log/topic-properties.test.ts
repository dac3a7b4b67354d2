// The topic properties without a broker synonym: the throttled replica lists of partition moves
// (leader.replication.throttled.replicas, follower.replication.throttled.replicas), checked as
// Kafka checks them.
import { describe, expect, it } from 'vitest';
import { InvalidConfigError } from '../../../engine/errors.js';
import { DEFAULT_LOG_CONFIG, logConfigToProperties, parseLogConfig } from '../../../engine/log/log-config.js';
import { describeRange } from '../../../engine/log/property-value.js';
import { TOPIC_PROPERTY, defaultSynonym } from '../../../engine/log/topic-properties.js';

const LISTS = ['leader.replication.throttled.replicas', 'follower.replication.throttled.replicas'];

describe('throttled replica lists', () => {
  it('default to "" (nothing throttled) and have no broker synonym', () => {
    expect(DEFAULT_LOG_CONFIG.leaderReplicationThrottledReplicas).toBe('');
    expect(DEFAULT_LOG_CONFIG.followerReplicationThrottledReplicas).toBe('');
    for (const name of LISTS) {
      const property = TOPIC_PROPERTY.get(name)!;
      expect(property.synonyms).toEqual([]);
      expect(defaultSynonym(property)).toBeUndefined();
      expect(property.type).toBe('list'); // as Kafka types them (DescribeConfigs' config type)
      expect(describeRange(property)).toMatch(/partition:broker/);
      expect(logConfigToProperties(DEFAULT_LOG_CONFIG)[name]).toBe('');
    }
    expect(defaultSynonym(TOPIC_PROPERTY.get('retention.ms')!)).toEqual({
      name: 'log.retention.hours',
      unitMs: 3_600_000,
      default: '168',
    });
  });

  it.each([
    ['', ''],
    ['*', '*'],
    [' * ', '*'],
    ['0:1', '0:1'],
    ['0:101,0:102,1:101', '0:101,0:102,1:101'],
    [' 0:1 , 1:2 ', '0:1 , 1:2'],
    ['0:1,,1:2,', '0:1,,1:2,'],
  ])('accepts %j (kept as given, trimmed)', (given, kept) => {
    for (const name of LISTS) {
      const config = parseLogConfig({ [name]: given });
      expect(logConfigToProperties(config)[name]).toBe(kept);
    }
  });

  it.each(['0', '0:', ':1', '0:1:2', 'a:b', '0 :1', '0: 1', '*,0:1', '0:1,*', '**', '-1:2', '0;1'])(
    'refuses %j with a reason naming the property and the expected form',
    (given) => {
      for (const name of LISTS) {
        let error: unknown;
        try {
          parseLogConfig({ [name]: given });
        } catch (err) {
          error = err;
        }
        expect(error).toBeInstanceOf(InvalidConfigError);
        expect((error as Error).message).toContain(name);
        expect((error as Error).message).toContain("'*' or a comma-separated list of partition:broker pairs");
        expect((error as Error).message).toContain(`got '${given}'`);
      }
    },
  );

  // A pattern that could split the spaces between commas in more than one way takes exponential
  // time on these (the test would then run out of its time); this one fails them in one pass.
  it('a long hostile value is refused at once (the pattern cannot backtrack)', () => {
    for (const hostile of [`${', '.repeat(50_000)}!`, `${'0:1 ,'.repeat(20_000)}  ,  ,  ,x`])
      expect(() => parseLogConfig({ 'leader.replication.throttled.replicas': hostile })).toThrow(
        InvalidConfigError,
      );
  });
});
