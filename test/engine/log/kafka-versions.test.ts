import { describe, expect, it } from 'vitest';
import { KAFKA_VERSION_KEYS, KAFKA_VERSION_PATTERN } from '../../../engine/log/kafka-versions.js';

describe('Kafka version strings (message.format.version)', () => {
  it.each([
    '2.4-IV1',
    '2.4',
    '2.4.1',
    '0.10.2',
    '0.10.2.1',
    '0.10.0-IV1',
    '0.8.2',
    '1.0-IV0',
    '3.3-IV3',
    '3.9',
  ])('accepts %s, as Kafka does', (value) => expect(KAFKA_VERSION_PATTERN.test(value)).toBe(true));

  // The check used to be a shape only, so versions Kafka never had passed.
  it.each(['9.9', '2.4-IV7', '2.4-IV1-x', '0.10', '2', '', 'v2', '2.4IV1', '3.10'])(
    'refuses %s, a version Kafka never had',
    (value) => expect(KAFKA_VERSION_PATTERN.test(value)).toBe(false),
  );

  it('knows every internal version of a release up to its last', () => {
    expect(KAFKA_VERSION_KEYS).toContain('2.7-IV2');
    expect(KAFKA_VERSION_KEYS).not.toContain('2.7-IV3');
    expect(KAFKA_VERSION_KEYS).toContain('0.9.0');
    expect(KAFKA_VERSION_KEYS).not.toContain('0.9.0-IV0');
  });
});
