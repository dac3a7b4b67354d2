/**
 * The example server.properties, generated from the registry: every property Kiln accepts, under
 * its group, with one line of meaning, its type and range, whether it can change at run time, and
 * its default (commented out, so the file as shipped changes nothing). server/server.properties is
 * this text; a test fails when the checked-in file differs.
 */
import { describeRange } from '../../engine/index.js';
import { BROKER_PROPERTIES, type BrokerProperty } from './broker-properties.js';

const HEADER = `# Kiln broker configuration, in Kafka's server.properties format (key=value, # comments).
# Start with: npm start -- --config server/server.properties [--override key=value]...
#
# Every property Kiln accepts is listed, commented out at its built-in default: uncomment a
# line to change it. "dynamic" ones can also be changed while the broker runs, with
# AlterConfigs or IncrementalAlterConfigs on the broker resource (kafka-configs --entity-type
# brokers), and are kept across restarts. A property Kiln does not know is logged as a warning
# and ignored; a wrong value stops the start with an error naming it.
#
# Generated from the property registry (server/config/broker-properties.ts and
# engine/log/topic-properties.ts) by server/config/write-server-properties.ts; do not edit.
`;

function describe(property: BrokerProperty): string {
  const facts: string[] = [property.type];
  const range = describeRange(property);
  if (range) facts.push(range);
  facts.push(property.dynamic === 'read-only' ? 'read at start' : `dynamic, ${property.dynamic}`);
  return `# ${property.doc}\n# (${facts.join('; ')})\n#${property.name}=${property.default ?? ''}\n`;
}

/** The whole file. */
export function renderServerProperties(): string {
  const sections: string[] = [HEADER];
  let group = '';
  const ignored: string[] = [];
  for (const property of BROKER_PROPERTIES) {
    // Deprecated ones (log.message.format.version) are accepted as the ignored are, not offered.
    if (property.ignored || property.deprecated) {
      ignored.push(property.name);
      continue;
    }
    if (property.group !== group) {
      group = property.group;
      sections.push(`\n############################# ${group} #############################\n`);
    }
    sections.push(`\n${describe(property)}`);
  }
  sections.push(
    '\n############################# Accepted and ignored #############################\n\n' +
      '# Kafka properties Kiln accepts, so a Kafka server.properties starts unchanged, but does\n# not use:\n' +
      wrap(ignored.join(', ')),
  );
  return sections.join('');
}

/** `text` as `# ` lines of at most 100 characters. */
function wrap(text: string): string {
  const lines: string[] = [];
  let line = '#';
  for (const word of text.split(' ')) {
    if (line.length + word.length + 1 > 100) {
      lines.push(line);
      line = '#';
    }
    line += ` ${word}`;
  }
  lines.push(line);
  return lines.join('\n') + '\n';
}
