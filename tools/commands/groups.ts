/** `kiln groups`: list, describe, reset and delete consumer groups (kafka-consumer-groups.sh). */
import { parseArgs } from 'node:util';
import type { Command } from '../kiln.js';
import { UsageError } from '../kiln.js';
import {
  BROKER_OPTIONS,
  bootstrapFrom,
  parseInteger,
  printJson,
  printTable,
  withClient,
} from '../client/cli.js';
import { BrokerConnectionError, KafkaError, errorName, type KafkaClient } from '../client/kafka-client.js';
import {
  describeGroup,
  describeGroupState,
  isMissing,
  listGroups,
  type GroupView,
} from '../groups/group-view.js';
import { jsonOf, printMembers, printOffsets, printState } from '../groups/group-tables.js';
import { parseTopicScope, planReset, type ResetSpec, type TopicScope } from '../groups/reset-plan.js';
import { parseDatetime, parseIsoDuration } from '../groups/time-arguments.js';
import { DeleteGroupsApi } from '../../server/protocol/apis/delete-groups.js';

const USAGE = `usage: kiln groups --bootstrap-server HOST:PORT (--list | --describe | --reset-offsets | --delete) [options]

  --list [--state] [--json]          every group (with --state, its state too)
  --describe (--group G... | --all-groups) [--offsets | --members [--verbose] | --state] [--json]
                                     per partition the current offset, log end offset, lag and the
                                     consumer that owns it ('-' where none); --members the members
                                     and their partition counts; --state the coordinator, assignor,
                                     state and member count
  --reset-offsets (--group G... | --all-groups) (--topic T[:P,P...]... | --all-topics)
                  (--to-earliest | --to-latest | --to-current | --to-offset N | --shift-by N |
                   --to-datetime YYYY-MM-DDTHH:mm:SS.sss[zone] | --by-duration PnDTnHnMnS)
                  [--dry-run | --execute]
                                     prints the new offsets; commits them only with --execute.
                                     The group must be inactive (no members).
  --delete (--group G... | --all-groups)
  --broker-list is accepted for --bootstrap-server.`;

const GROUP_OPTIONS = {
  ...BROKER_OPTIONS,
  list: { type: 'boolean' },
  describe: { type: 'boolean' },
  'reset-offsets': { type: 'boolean' },
  delete: { type: 'boolean' },
  group: { type: 'string', multiple: true },
  'all-groups': { type: 'boolean' },
  topic: { type: 'string', multiple: true },
  'all-topics': { type: 'boolean' },
  offsets: { type: 'boolean' },
  members: { type: 'boolean' },
  verbose: { type: 'boolean' },
  state: { type: 'boolean' },
  'to-earliest': { type: 'boolean' },
  'to-latest': { type: 'boolean' },
  'to-current': { type: 'boolean' },
  'to-offset': { type: 'string' },
  'shift-by': { type: 'string' },
  'to-datetime': { type: 'string' },
  'by-duration': { type: 'string' },
  'dry-run': { type: 'boolean' },
  execute: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof GROUP_OPTIONS; args: string[] }>>['values'];

export const command: Command = {
  name: 'groups',
  summary: 'list, describe, reset offsets of and delete consumer groups',
  usage: USAGE,
  async run(argv) {
    const { values } = parseArgs({ args: negativeValues(argv), options: GROUP_OPTIONS });
    const actions = (['list', 'describe', 'reset-offsets', 'delete'] as const).filter((a) => values[a]);
    if (actions.length !== 1)
      throw new UsageError('give exactly one of --list, --describe, --reset-offsets, --delete');
    const action = actions[0]!;
    const named = values.group ?? [];
    const allGroups = values['all-groups'] ?? false;
    if (action !== 'list' && named.length === 0 && !allGroups)
      throw new UsageError(`--${action} needs --group G or --all-groups`);
    if (named.length > 0 && allGroups) throw new UsageError('give --group or --all-groups, not both');
    checkOptionsFit(action, values);
    const json = values.json ?? false;
    const spec = action === 'reset-offsets' ? resetSpec(values) : undefined;
    const scopes = action === 'reset-offsets' ? topicScopes(values) : undefined;
    if (action === 'reset-offsets' && values['dry-run'] && values.execute)
      throw new UsageError('give --dry-run or --execute, not both');
    const view = describeView(values);

    return withClient('groups', bootstrapFrom(values), async (client) => {
      const groups = allGroups ? (await listGroups(client)).map((g) => g.group) : named;
      switch (action) {
        case 'list':
          return list(client, values.state ?? false, json);
        case 'describe':
          return describe(client, groups, view, values.verbose ?? false, json);
        case 'reset-offsets':
          if (!values.execute && !values['dry-run'] && !json) {
            process.stderr.write(
              'kiln groups: no --execute given, so this is a dry run: nothing will be changed.\n',
            );
          }
          return reset(client, groups, scopes!, spec!, values.execute ?? false, json);
        case 'delete':
          return remove(client, groups);
      }
    });
  },
};

/** Options that belong to one action only, as Kafka's tool checks them. */
const ONLY_WITH: Record<string, readonly string[]> = {
  'reset-offsets': [
    'topic',
    'all-topics',
    'to-earliest',
    'to-latest',
    'to-current',
    'to-offset',
    'shift-by',
    'to-datetime',
    'by-duration',
    'dry-run',
    'execute',
  ],
  describe: ['offsets', 'members', 'verbose'],
};

function checkOptionsFit(action: string, values: Values): void {
  for (const [owner, options] of Object.entries(ONLY_WITH)) {
    if (owner === action) continue;
    const stray = options.find((o) => values[o as keyof Values] !== undefined);
    if (stray) throw new UsageError(`--${stray} goes with --${owner}, not --${action}`);
  }
  if (values.state && action !== 'describe' && action !== 'list')
    throw new UsageError(`--state goes with --describe or --list, not --${action}`);
  if (action === 'list' && values.group) throw new UsageError('--list takes no --group');
}

/** `--shift-by -3` as Kafka users write it: a negative number is the flag's value, not a flag. */
function negativeValues(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const next = argv[i + 1];
    if (
      (argv[i] === '--shift-by' || argv[i] === '--to-offset') &&
      next !== undefined &&
      /^-\d+$/.test(next)
    ) {
      out.push(`${argv[i]}=${next}`);
      i++;
    } else out.push(argv[i]!);
  }
  return out;
}

type View = 'offsets' | 'members' | 'state';

function describeView(values: Values): View {
  const views = (['offsets', 'members', 'state'] as const).filter((v) => values[v]);
  if (values.describe && views.length > 1) throw new UsageError('give one of --offsets, --members, --state');
  return views[0] ?? 'offsets';
}

function resetSpec(values: Values): ResetSpec {
  const specs: ResetSpec[] = [];
  if (values['to-earliest']) specs.push({ kind: 'earliest' });
  if (values['to-latest']) specs.push({ kind: 'latest' });
  if (values['to-current']) specs.push({ kind: 'current' });
  const offset = parseInteger(values['to-offset'], '--to-offset');
  if (offset !== undefined) specs.push({ kind: 'offset', offset });
  const shift = parseInteger(values['shift-by'], '--shift-by');
  if (shift !== undefined) specs.push({ kind: 'shift', by: shift });
  if (values['to-datetime'] !== undefined)
    specs.push({ kind: 'timestamp', timestamp: parseDatetime(values['to-datetime']) });
  if (values['by-duration'] !== undefined)
    specs.push({ kind: 'timestamp', timestamp: Date.now() - parseIsoDuration(values['by-duration']) });
  if (specs.length !== 1) {
    throw new UsageError(
      'give exactly one of --to-earliest, --to-latest, --to-current, --to-offset, --shift-by, --to-datetime, --by-duration',
    );
  }
  return specs[0]!;
}

/** The --topic scopes, or null for --all-topics (the topics each group has commits for). */
function topicScopes(values: Values): TopicScope[] | null {
  const topics = values.topic ?? [];
  if (topics.length > 0 && values['all-topics'])
    throw new UsageError('give --topic or --all-topics, not both');
  if (topics.length === 0 && !values['all-topics'])
    throw new UsageError('--reset-offsets needs --topic T or --all-topics');
  return values['all-topics'] ? null : topics.map(parseTopicScope);
}

async function list(client: KafkaClient, withState: boolean, json: boolean): Promise<number> {
  const groups = await listGroups(client);
  if (json) printJson(groups);
  else if (withState)
    printTable(
      ['GROUP', 'STATE'],
      groups.map((g) => [g.group, g.state]),
    );
  else if (groups.length) process.stdout.write(groups.map((g) => g.group).join('\n') + '\n');
  return 0;
}

/**
 * Describes each group. One that does not exist is an error (exit 1) as Kafka's tool reports it;
 * one with no members, or rebalancing, gets Kafka's notice before its table.
 */
async function describe(
  client: KafkaClient,
  groups: string[],
  view: View,
  verbose: boolean,
  json: boolean,
): Promise<number> {
  let status = 0;
  const out: unknown[] = [];
  for (const group of groups) {
    const found =
      view === 'offsets' ? await describeGroup(client, group) : await describeGroupState(client, group);
    if (await isMissing(client, found)) {
      process.stderr.write(`Error: Consumer group '${group}' does not exist.\n`);
      status = 1;
      continue;
    }
    // A coordinator that forgot the group but still holds its commits: a group with no members.
    if (found.state === 'Dead') found.state = 'Empty';
    if (json) {
      out.push(jsonOf(found));
      continue;
    }
    if (found.state === 'Empty') process.stdout.write(`\nConsumer group '${group}' has no active members.\n`);
    else if (found.state.endsWith('Rebalance'))
      process.stdout.write(`\nWarning: Consumer group '${group}' is rebalancing.\n`);
    process.stdout.write('\n');
    if (view === 'offsets') printOffsets(found as GroupView);
    else if (view === 'members') printMembers(found, verbose);
    else printState(found);
  }
  if (json) printJson(groups.length === 1 ? (out[0] ?? null) : out);
  return status;
}

/** Groups Kafka lets a reset touch: no member is consuming. */
const INACTIVE = new Set(['Empty', 'Dead']);

async function reset(
  client: KafkaClient,
  groups: string[],
  scopes: TopicScope[] | null,
  spec: ResetSpec,
  execute: boolean,
  json: boolean,
): Promise<number> {
  let status = 0;
  const results: unknown[] = [];
  const rows: (string | number)[][] = [];
  for (const group of groups) {
    const { state } = await describeGroupState(client, group);
    if (!INACTIVE.has(state)) {
      process.stderr.write(
        `Error: Assignments can only be reset if the group '${group}' is inactive, but the current state is ${state}.\n`,
      );
      status = 1;
      continue;
    }
    const committed = await client.committedOffsets(group, null);
    const groupScopes =
      scopes ??
      [...committed].filter(([, ps]) => ps.size > 0).map(([topic]) => ({ topic, partitions: null }));
    let plan;
    try {
      plan = await planReset(client, group, groupScopes, spec, committed);
    } catch (err) {
      // The broker's errors end the command (withClient); a plan that cannot be made ends this group's.
      if (err instanceof KafkaError || err instanceof BrokerConnectionError || !(err instanceof Error))
        throw err;
      process.stderr.write(`Error: ${err.message}\n`);
      status = 1;
      continue;
    }
    if (execute) {
      const byTopic = new Map<string, Map<number, number>>();
      for (const p of plan) {
        const offsets = byTopic.get(p.topic) ?? new Map<number, number>();
        offsets.set(p.partition, p.newOffset);
        byTopic.set(p.topic, offsets);
      }
      for (const [topic, offsets] of byTopic) await client.commitOffsets(group, topic, offsets);
    }
    results.push({ group, executed: execute, offsets: plan });
    for (const p of plan) rows.push([group, p.topic, p.partition, p.newOffset]);
  }
  if (json) printJson(groups.length === 1 ? (results[0] ?? null) : results);
  else if (rows.length > 0 || status === 0) {
    process.stdout.write('\n');
    printTable(['GROUP', 'TOPIC', 'PARTITION', 'NEW-OFFSET'], rows);
  }
  return status;
}

async function remove(client: KafkaClient, groups: string[]): Promise<number> {
  const failed: string[] = [];
  const deleted: string[] = [];
  for (const group of groups) {
    const conn = await client.coordinator(group);
    const response = await conn.request(DeleteGroupsApi, { groupsNames: [group] });
    for (const r of response.results) {
      if (r.errorCode === 0) deleted.push(group);
      else failed.push(`* Group '${group}' could not be deleted due to: ${errorName(r.errorCode)}`);
    }
  }
  if (deleted.length > 0) {
    process.stdout.write(
      `Deletion of requested consumer groups (${deleted.map((g) => `'${g}'`).join(', ')}) was successful.\n`,
    );
  }
  if (failed.length > 0) {
    process.stderr.write(`Error: Deletion of some consumer groups failed:\n${failed.join('\n')}\n`);
    return 1;
  }
  return 0;
}
