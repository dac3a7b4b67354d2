/**
 * The broker properties of its own log (what it writes about itself, not the partition logs):
 * how much it says. Part of the broker property registry (broker-properties.ts).
 *
 * Kafka sets its level in log4j.properties; Kiln has no such file, so the level is a property
 * like any other, given in server.properties or with --override. KILN_LOG_LEVEL in the
 * environment still wins over it (server/logger.ts), for a quick look without touching a file.
 */
import { InvalidConfigError, parsePropertyValue } from '../../engine/index.js';
import type { BrokerProperty } from './broker-property.js';
import { LOG_LEVELS } from '../logger.js';
import { ConfigError } from './config-error.js';

const LOG_LEVEL: BrokerProperty = {
  name: 'log.level',
  type: 'string',
  values: LOG_LEVELS,
  default: 'info',
  dynamic: 'read-only',
  extension: true,
  group: 'Broker log',
  synonyms: [{ name: 'log.level' }],
  doc:
    'How much the broker says about itself: debug adds segment rolls and client connections, warn ' +
    'keeps only what needs attention. The KILN_LOG_LEVEL environment variable wins over it.',
};

export const LOG_PROPERTIES: BrokerProperty[] = [LOG_LEVEL];

/** log.level as given in `properties` (checked, so a bad value names the property), else its default. */
export function logLevelOf(properties: Readonly<Record<string, string>>): string {
  const given = properties[LOG_LEVEL.name];
  if (given === undefined) return LOG_LEVEL.default!;
  try {
    return parsePropertyValue(LOG_LEVEL.name, LOG_LEVEL, given) as string;
  } catch (err) {
    if (err instanceof InvalidConfigError)
      throw new ConfigError(LOG_LEVEL.name, err.message.replace(/^invalid value for [^:]+: /, ''));
    throw err;
  }
}
