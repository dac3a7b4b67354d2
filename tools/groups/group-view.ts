/**
 * What `kiln groups --describe` shows of a consumer group, gathered as Kafka's consumer-groups tool
 * gathers it: the group's state and members (DescribeGroups on its coordinator), each member's
 * assignment (decoded when the group speaks the consumer protocol), the committed offsets
 * (OffsetFetch) and the log end offsets (ListOffsets).
 *
 * A partition appears when it is committed or assigned, or belongs to a topic a member subscribes
 * to or is assigned: every partition of such a topic is listed, so one nobody has committed yet
 * (no records read, or added since the last rebalance) shows too, with no current offset or lag
 * ('-' in the table, null in JSON). A partition no member owns has no consumer ('-'); a member
 * that owns no partition gets a row of its own with no topic.
 */
import { LATEST, checkError, type KafkaClient } from '../client/kafka-client.js';
import { decodeAssignment, decodeSubscription } from '../../server/group/consumer-protocol.js';
import { DescribeGroupsApi } from '../../server/protocol/apis/describe-groups.js';
import { ListGroupsApi } from '../../server/protocol/apis/list-groups.js';

export interface GroupMember {
  consumerId: string;
  groupInstanceId: string | null;
  clientId: string;
  host: string;
  /** Topic → partitions, in the order the assignment lists them. */
  assignment: Map<string, number[]>;
}

/** The topics each member subscribes to (consumer protocol); kept apart so the JSON view stays as it was. */
const subscriptions = new WeakMap<GroupMember, string[]>();

export interface PartitionRow {
  /** Null on the row of a member that owns no partition (Kafka lists such members too). */
  topic: string | null;
  partition: number | null;
  committed: number | null;
  logEnd: number | null;
  lag: number | null;
  consumerId: string | null;
  host: string | null;
  clientId: string | null;
}

export interface GroupView {
  group: string;
  /** Stable, Empty, PreparingRebalance, CompletingRebalance or Dead (no such group). */
  state: string;
  protocolType: string;
  /** The assignor the group chose (empty while it has none). */
  protocol: string;
  /** The coordinator's address, and its broker id when the cluster metadata names it (else -1). */
  coordinator: { id: number; address: string };
  members: GroupMember[];
  partitions: PartitionRow[];
}

/** The state, members and coordinator of `group`, without offsets. */
export async function describeGroupState(
  client: KafkaClient,
  group: string,
): Promise<Omit<GroupView, 'partitions'>> {
  const conn = await client.coordinator(group);
  const response = await conn.request(DescribeGroupsApi, {
    groups: [group],
    includeAuthorizedOperations: false,
  });
  const described = response.groups[0];
  if (!described) throw new Error('DescribeGroups: empty answer');
  checkError(described.errorCode, `DescribeGroups ${group}`);
  const consumer = described.protocolType === 'consumer';
  const members: GroupMember[] = described.members.map((m) => {
    const member: GroupMember = {
      consumerId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      host: m.clientHost,
      assignment: consumer ? decodeAssignment(m.memberAssignment) : new Map(),
    };
    if (consumer) subscriptions.set(member, subscriptionOf(m.memberMetadata));
    return member;
  });
  const meta = await client.metadata([]);
  const id = [...meta.brokers].find(([, b]) => conn.address === addressOf(b.host, b.port))?.[0] ?? -1;
  return {
    group,
    state: described.groupState,
    protocolType: described.protocolType,
    protocol: described.protocolData,
    coordinator: { id, address: conn.address },
    members,
  };
}

/** The topics in a consumer's subscription; none when the metadata cannot be read. */
function subscriptionOf(metadata: Buffer): string[] {
  try {
    return metadata.length > 0 ? decodeSubscription(metadata) : [];
  } catch {
    return [];
  }
}

function addressOf(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** The whole view of `group`: state, members, and every committed or assigned partition. */
export async function describeGroup(client: KafkaClient, group: string): Promise<GroupView> {
  const state = await describeGroupState(client, group);
  const owner = new Map<string, GroupMember>();
  const wanted = new Map<string, Set<number>>();
  const want = (topic: string, partition: number): void => {
    const set = wanted.get(topic) ?? new Set<number>();
    set.add(partition);
    wanted.set(topic, set);
  };
  for (const member of state.members) {
    for (const [topic, partitions] of member.assignment) {
      for (const p of partitions) {
        owner.set(`${topic}:${p}`, member);
        want(topic, p);
      }
    }
  }
  const committed = await client.committedOffsets(group, null);
  for (const [topic, partitions] of committed) for (const p of partitions.keys()) want(topic, p);
  // Every partition of the topics the members read, committed or not, as Kafka's tool lists them.
  const topicsRead = new Set<string>();
  for (const member of state.members) {
    for (const topic of subscriptions.get(member) ?? []) topicsRead.add(topic);
    for (const topic of member.assignment.keys()) topicsRead.add(topic);
  }
  for (const topic of topicsRead) for (const p of await partitionsOf(client, topic)) want(topic, p);

  const rows: PartitionRow[] = [];
  for (const topicName of [...wanted.keys()].sort()) {
    const partitions = [...wanted.get(topicName)!].sort((a, b) => a - b);
    const ends = await logEnds(client, topicName, partitions);
    for (const partition of partitions) {
      const offset = committed.get(topicName)?.get(partition) ?? null;
      const logEnd = ends.get(partition) ?? null;
      const member = owner.get(`${topicName}:${partition}`);
      rows.push({
        topic: topicName,
        partition,
        committed: offset,
        logEnd,
        lag: offset !== null && logEnd !== null ? Math.max(0, logEnd - offset) : null,
        consumerId: member?.consumerId ?? null,
        host: member?.host ?? null,
        clientId: member?.clientId ?? null,
      });
    }
  }
  for (const member of state.members) {
    if ([...member.assignment.values()].some((ps) => ps.length > 0)) continue;
    rows.push({
      topic: null,
      partition: null,
      committed: null,
      logEnd: null,
      lag: null,
      consumerId: member.consumerId,
      host: member.host,
      clientId: member.clientId,
    });
  }
  return { ...state, partitions: rows };
}

/**
 * Whether `view` is of a group that does not exist, as Kafka's tool decides: the coordinator calls
 * it Dead (it knows no such group) and it has neither members nor committed offsets.
 */
export async function isMissing(
  client: KafkaClient,
  view: Omit<GroupView, 'partitions'> & { partitions?: PartitionRow[] },
): Promise<boolean> {
  if (view.state !== 'Dead' || view.members.length > 0) return false;
  if (view.partitions) return view.partitions.length === 0;
  const committed = await client.committedOffsets(view.group, null);
  return ![...committed.values()].some((ps) => ps.size > 0);
}

/** The partitions `topicName` has now; none when it does not exist (any more). */
async function partitionsOf(client: KafkaClient, topicName: string): Promise<number[]> {
  try {
    return (await client.topic(topicName)).partitions.map((p) => p.partition);
  } catch {
    return [];
  }
}

/** Log end offsets of the partitions that still exist (a deleted topic's commits have none). */
async function logEnds(
  client: KafkaClient,
  topicName: string,
  partitions: number[],
): Promise<Map<number, number>> {
  let topic;
  try {
    topic = await client.topic(topicName);
  } catch {
    return new Map();
  }
  const known = partitions.filter((p) => topic.partitions.some((m) => m.partition === p));
  return known.length > 0 ? client.listOffsets(topic, known, LATEST) : new Map();
}

/** Every group on every broker, sorted, with its state. */
export async function listGroups(
  client: KafkaClient,
): Promise<{ group: string; state: string; protocolType: string }[]> {
  const meta = await client.metadata([]);
  const groups: { group: string; state: string; protocolType: string }[] = [];
  for (const nodeId of meta.brokers.keys()) {
    const conn = await client.node(nodeId);
    const response = await conn.request(ListGroupsApi, { statesFilter: [], typesFilter: [] });
    checkError(response.errorCode, `ListGroups on broker ${nodeId}`);
    for (const g of response.groups) {
      groups.push({
        group: g.groupId,
        state: g.groupState,
        protocolType: g.protocolType,
      });
    }
  }
  return groups.sort((a, b) => a.group.localeCompare(b.group));
}
