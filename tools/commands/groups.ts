/** `kiln groups`: list, describe, reset and delete consumer groups (kafka-consumer-groups.sh). */
import { parseArgs } from 'node:util';
import type { Command } from '../kiln.js';
import { UsageError } from '../kiln.js';
import { parseInteger, printJson, printTable, withClient } from '../client/cli.js';
import { ApiKey, EARLIEST, LATEST, checkError, type KafkaClient } from '../client/kafka-client.js';
import type { Message } from '../../server/protocol/codec.js';

const USAGE = `usage: kiln groups --bootstrap-server HOST:PORT (--list | --describe | --reset-offsets | --delete) [options]

  --list [--json]
  --describe --group G [--json]     state, members with their assignments, and per partition the
                                    committed offset, log end offset and lag
  --reset-offsets --group G --topic T (--to-earliest | --to-latest | --to-datetime MS | --to-offset N)
                  [--execute]       prints the plan; commits it only with --execute (the group
                                    must have no active members)
  --delete --group G`;

export const command: Command = {
  name: 'groups',
  summary: 'list, describe, reset offsets of and delete consumer groups',
  usage: USAGE,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        'bootstrap-server': { type: 'string' },
        list: { type: 'boolean' },
        describe: { type: 'boolean' },
        'reset-offsets': { type: 'boolean' },
        delete: { type: 'boolean' },
        group: { type: 'string' },
        topic: { type: 'string' },
        'to-earliest': { type: 'boolean' },
        'to-latest': { type: 'boolean' },
        'to-datetime': { type: 'string' },
        'to-offset': { type: 'string' },
        execute: { type: 'boolean' },
        json: { type: 'boolean' },
      },
    });
    const actions = (['list', 'describe', 'reset-offsets', 'delete'] as const).filter((a) => values[a]);
    if (actions.length !== 1)
      throw new UsageError('give exactly one of --list, --describe, --reset-offsets, --delete');
    const action = actions[0]!;
    const group = values.group;
    if (action !== 'list' && !group) throw new UsageError(`--${action} needs --group`);
    const json = values.json ?? false;

    let target: ResetTarget | undefined;
    if (action === 'reset-offsets') {
      if (!values.topic) throw new UsageError('--reset-offsets needs --topic');
      const targets: ResetTarget[] = [];
      if (values['to-earliest']) targets.push({ kind: 'timestamp', timestamp: EARLIEST });
      if (values['to-latest']) targets.push({ kind: 'timestamp', timestamp: LATEST });
      const datetime = parseInteger(values['to-datetime'], '--to-datetime');
      if (datetime !== undefined) targets.push({ kind: 'timestamp', timestamp: datetime });
      const offset = parseInteger(values['to-offset'], '--to-offset');
      if (offset !== undefined) targets.push({ kind: 'offset', offset });
      if (targets.length !== 1) {
        throw new UsageError('give exactly one of --to-earliest, --to-latest, --to-datetime, --to-offset');
      }
      target = targets[0];
    }

    return withClient('groups', values['bootstrap-server'], async (client) => {
      switch (action) {
        case 'list':
          return list(client, json);
        case 'describe':
          return describe(client, group!, json);
        case 'reset-offsets':
          return reset(client, group!, values.topic!, target!, values.execute ?? false, json);
        case 'delete':
          return remove(client, group!);
      }
    });
  },
};

type ResetTarget = { kind: 'timestamp'; timestamp: number } | { kind: 'offset'; offset: number };

/** Groups live on their coordinators, so ListGroups asks every broker. */
async function list(client: KafkaClient, json: boolean): Promise<number> {
  const meta = await client.metadata([]);
  const groups: { group: string; state: string; protocolType: string }[] = [];
  for (const nodeId of meta.brokers.keys()) {
    const conn = await client.node(nodeId);
    const response = await conn.request(ApiKey.ListGroups, { statesFilter: [], typesFilter: [] });
    checkError(response.errorCode, `ListGroups on broker ${nodeId}`);
    for (const g of response.groups as Message[]) {
      groups.push({
        group: g.groupId as string,
        state: (g.groupState as string) || '',
        protocolType: g.protocolType as string,
      });
    }
  }
  groups.sort((a, b) => a.group.localeCompare(b.group));
  if (json) printJson(groups);
  else if (groups.length) process.stdout.write(groups.map((g) => g.group).join('\n') + '\n');
  return 0;
}

interface Member {
  memberId: string;
  clientId: string;
  host: string;
  assignment: { topic: string; partitions: number[] }[];
}

async function describe(client: KafkaClient, group: string, json: boolean): Promise<number> {
  const conn = await client.coordinator(group);
  const response = await conn.request(ApiKey.DescribeGroups, {
    groups: [group],
    includeAuthorizedOperations: false,
  });
  const described = (response.groups as Message[])[0];
  if (!described) throw new Error('DescribeGroups: empty answer');
  checkError(described.errorCode, `DescribeGroups ${group}`);
  const members: Member[] = (described.members as Message[]).map((m) => ({
    memberId: m.memberId as string,
    clientId: m.clientId as string,
    host: m.clientHost as string,
    assignment: described.protocolType === 'consumer' ? decodeAssignment(m.memberAssignment as Buffer) : [],
  }));
  const owner = new Map<string, string>();
  for (const m of members)
    for (const a of m.assignment) for (const p of a.partitions) owner.set(`${a.topic}:${p}`, m.memberId);

  const committed = await client.committedOffsets(group, null);
  const offsets: {
    topic: string;
    partition: number;
    committed: number;
    logEnd: number;
    lag: number;
    member: string;
  }[] = [];
  for (const [topicName, partitions] of [...committed].sort((a, b) => a[0].localeCompare(b[0]))) {
    if (partitions.size === 0) continue;
    const topic = await client.topic(topicName);
    const ends = await client.listOffsets(topic, [...partitions.keys()], LATEST);
    for (const [partition, offset] of [...partitions].sort((a, b) => a[0] - b[0])) {
      const logEnd = ends.get(partition) ?? -1;
      offsets.push({
        topic: topicName,
        partition,
        committed: offset,
        logEnd,
        lag: Math.max(0, logEnd - offset),
        member: owner.get(`${topicName}:${partition}`) ?? '-',
      });
    }
  }
  const result = {
    group,
    state: described.groupState as string,
    protocolType: described.protocolType,
    members,
    offsets,
  };
  if (json) {
    printJson(result);
    return 0;
  }
  process.stdout.write(`Group ${group} is ${result.state} with ${members.length} member(s).\n\n`);
  if (members.length) {
    printTable(
      ['MEMBER-ID', 'CLIENT-ID', 'HOST', 'ASSIGNMENT'],
      members.map((m) => [
        m.memberId,
        m.clientId,
        m.host,
        m.assignment.map((a) => `${a.topic}(${a.partitions.join(',')})`).join(' ') || '-',
      ]),
    );
    process.stdout.write('\n');
  }
  printTable(
    ['TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG', 'MEMBER-ID'],
    offsets.map((o) => [o.topic, o.partition, o.committed, o.logEnd, o.lag, o.member]),
  );
  return 0;
}

/** Decodes a consumer-protocol assignment: version, [topic, [partition]], user data. */
function decodeAssignment(bytes: Buffer): { topic: string; partitions: number[] }[] {
  if (!bytes || bytes.length < 6) return [];
  let pos = 2;
  const count = bytes.readInt32BE(pos);
  pos += 4;
  const result = [];
  for (let i = 0; i < count && pos + 2 <= bytes.length; i++) {
    const length = bytes.readInt16BE(pos);
    const topic = bytes.toString('utf8', pos + 2, pos + 2 + length);
    pos += 2 + length;
    const n = bytes.readInt32BE(pos);
    pos += 4;
    const partitions = [];
    for (let j = 0; j < n; j++, pos += 4) partitions.push(bytes.readInt32BE(pos));
    result.push({ topic, partitions });
  }
  return result;
}

async function reset(
  client: KafkaClient,
  group: string,
  topicName: string,
  target: ResetTarget,
  execute: boolean,
  json: boolean,
): Promise<number> {
  const topic = await client.topic(topicName);
  const partitions = topic.partitions.map((p) => p.partition);
  const earliest = await client.listOffsets(topic, partitions, EARLIEST);
  const latest = await client.listOffsets(topic, partitions, LATEST);
  const committed = (
    await client.committedOffsets(group, [{ name: topicName, partitionIndexes: partitions }])
  ).get(topicName);
  let wanted: Map<number, number>;
  if (target.kind === 'offset') wanted = new Map(partitions.map((p) => [p, target.offset]));
  else if (target.timestamp === EARLIEST) wanted = earliest;
  else if (target.timestamp === LATEST) wanted = latest;
  else wanted = await client.listOffsets(topic, partitions, target.timestamp);
  const plan = new Map<number, number>();
  for (const p of partitions) {
    // Out-of-range targets are clamped to the log, as Kafka's tool does; no record at or after
    // the datetime (-1) means the end of the log.
    const low = earliest.get(p)!;
    const high = latest.get(p)!;
    const offset = wanted.get(p)!;
    plan.set(p, offset < 0 ? high : Math.min(Math.max(offset, low), high));
  }
  const rows = partitions.map((p) => ({
    topic: topicName,
    partition: p,
    current: committed?.get(p) ?? null,
    newOffset: plan.get(p)!,
  }));
  if (execute) await client.commitOffsets(group, topicName, plan);
  if (json) printJson({ group, executed: execute, offsets: rows });
  else {
    printTable(
      ['GROUP', 'TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'NEW-OFFSET'],
      rows.map((r) => [group, r.topic, r.partition, r.current ?? '-', r.newOffset]),
    );
    if (!execute)
      process.stdout.write('\nDry run: nothing was changed (add --execute to commit these offsets).\n');
  }
  return 0;
}

async function remove(client: KafkaClient, group: string): Promise<number> {
  const conn = await client.coordinator(group);
  const response = await conn.request(ApiKey.DeleteGroups, { groupsNames: [group] });
  for (const r of response.results as Message[]) checkError(r.errorCode, `delete group ${group}`);
  process.stdout.write(`Deleted group ${group}.\n`);
  return 0;
}
