/** `kiln configs`: describe and alter topic and broker configs (Kafka's kafka-configs.sh). */
import { parseArgs } from 'node:util';
import type { Command } from '../kiln.js';
import { UsageError } from '../kiln.js';
import { parseKeyValues, printJson, printTable, withClient } from '../client/cli.js';

const USAGE = `usage: kiln configs --bootstrap-server HOST:PORT --entity-type topics|brokers --entity-name X
                    (--describe [--all] [--json] | --alter [--add-config k=v,...] [--delete-config k,...])

  --describe       the entity's non-default configs (with --all: every config and its source)
  --alter          IncrementalAlterConfigs: --add-config sets keys, --delete-config reverts them
                   to their defaults; both may be repeated or comma-separated`;

const RESOURCE_TYPES: Record<string, number> = { topics: 2, brokers: 4 };

export const command: Command = {
  name: 'configs',
  summary: 'describe and alter topic and broker configs',
  usage: USAGE,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        'bootstrap-server': { type: 'string' },
        'entity-type': { type: 'string' },
        'entity-name': { type: 'string' },
        describe: { type: 'boolean' },
        alter: { type: 'boolean' },
        all: { type: 'boolean' },
        'add-config': { type: 'string', multiple: true },
        'delete-config': { type: 'string', multiple: true },
        json: { type: 'boolean' },
      },
    });
    if (values.describe === values.alter) throw new UsageError('give exactly one of --describe, --alter');
    const type = RESOURCE_TYPES[values['entity-type'] ?? ''];
    if (type === undefined) throw new UsageError('--entity-type must be topics or brokers');
    const name = values['entity-name'];
    if (!name) throw new UsageError('--entity-name is required');
    const add = parseKeyValues(values['add-config'], true);
    const remove = (values['delete-config'] ?? []).flatMap((v) => v.split(',')).filter(Boolean);
    if (values.alter && add.size === 0 && remove.length === 0) {
      throw new UsageError('--alter needs --add-config and/or --delete-config');
    }

    return withClient('configs', values['bootstrap-server'], async (client) => {
      if (values.alter) {
        await client.alterConfigs(type, name, add, remove);
        process.stdout.write(`Completed updating config for ${values['entity-type']} ${name}.\n`);
        return 0;
      }
      const configs = (await client.describeConfigs(type, name)).filter((c) => values.all || !c.isDefault);
      configs.sort((a, b) => a.name.localeCompare(b.name));
      const shown = configs.map((c) => ({
        name: c.name,
        value: c.isSensitive ? null : c.value,
        source: c.source,
        readOnly: c.readOnly,
        sensitive: c.isSensitive,
      }));
      if (values.json) {
        printJson(shown);
      } else {
        process.stdout.write(`Configs for ${values['entity-type']} ${name} are:\n`);
        if (shown.length) {
          printTable(
            ['NAME', 'VALUE', 'SOURCE'],
            shown.map((c) => [c.name, c.sensitive ? '(sensitive)' : (c.value ?? 'null'), c.source]),
          );
        }
      }
      return 0;
    });
  },
};
