// log.level: declared in the property registry, checked, refused with its name.
import { describe, expect, it } from 'vitest';
import { buildBrokerConfig } from '../../../server/config/broker-config.js';
import { BROKER_PROPERTY } from '../../../server/config/broker-properties.js';
import { ConfigError } from '../../../server/config/config-error.js';
import { logLevelOf } from '../../../server/config/log-properties.js';

describe('log.level', () => {
  it('is a documented broker property, info by default', () => {
    const property = BROKER_PROPERTY.get('log.level');
    expect(property).toMatchObject({ default: 'info', type: 'string', dynamic: 'read-only' });
    expect(property?.doc).toMatch(/KILN_LOG_LEVEL/);
    expect(logLevelOf({})).toBe('info');
  });

  it('takes any of pino levels', () => {
    for (const level of ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'])
      expect(logLevelOf(buildBrokerConfig({ 'log.level': level }).properties)).toBe(level);
  });

  it('refuses a bad value, naming the property', () => {
    const properties = buildBrokerConfig({ 'log.level': 'chatty' }).properties;
    expect(() => logLevelOf(properties)).toThrow(ConfigError);
    expect(() => logLevelOf(properties)).toThrow(/^log\.level: expected one of trace, debug, info/);
  });
});
