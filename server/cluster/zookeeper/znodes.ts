/**
 * Kafka's ZooKeeper layout: the paths and the JSON each znode holds, so a Kafka operator (or
 * Kafka's own tools) finds a Kiln cluster's metadata where and as they expect it. Each znode's
 * bytes are UTF-8 JSON, written compactly:
 *
 *   /cluster/id                      {"version":"1","id":"<cluster id>"}                   persistent
 *   /brokers/ids/<id>                {"features":{},"listener_security_protocol_map":
 *                                     {"PLAINTEXT":"PLAINTEXT"},"endpoints":
 *                                     ["PLAINTEXT://host:9092"],"jmx_port":-1,"port":9092,
 *                                     "host":"host","version":5,"timestamp":"<ms>"
 *                                     [,"rack":"r1"]}                                      ephemeral
 *   /controller                      {"version":1,"brokerid":1,"timestamp":"<ms>"}         ephemeral
 *   /controller_epoch                the epoch as a decimal number, e.g. 3                  persistent
 *   /brokers/topics/<topic>          {"version":3,"topic_id":"<base64 uuid>","partitions":
 *                                     {"0":[1,2,3]},"adding_replicas":{},
 *                                     "removing_replicas":{}}                              persistent
 *   /brokers/topics/<topic>/partitions/<p>/state
 *                                    {"controller_epoch":1,"leader":1,"version":1,
 *                                     "leader_epoch":0,"isr":[1,2,3]}                      persistent
 *   /config/topics/<topic>,          {"version":1,"config":{"retention.ms":"1000"}}        persistent
 *   /config/brokers/<id|<default>>
 *   /config/changes/config_change_<seq10>
 *                                    {"version":2,"entity_path":"topics/<topic>"}          sequential
 *                                    (entity paths: topics/<t>, brokers/<id>, brokers/<default>;
 *                                     Kafka's older v1 {"version":1,"entity_type":"topics",
 *                                     "entity_name":"<t>"} is read too)
 *   /admin/delete_topics/<topic>     empty                                                  persistent
 *   /isr_change_notification/isr_change_<seq10>
 *                                    {"version":1,"partitions":[{"topic":"t","partition":0}]} sequential
 *   /latest_producer_id_block        {"version":1,"broker":1,"block_start":"0",
 *                                     "block_end":"999"}                                   persistent
 *
 * A leader of -1 means none. Numbers Kafka writes as strings (timestamp, block_start, block_end,
 * the cluster id's version) stay strings. Readers accept the older versions Kafka wrote (broker
 * registration 4 without features, topic assignment 1-2 without a topic id) and refuse anything
 * malformed with an error naming the znode.
 */

export const PATHS = {
  clusterId: '/cluster/id',
  brokerIds: '/brokers/ids',
  brokerTopics: '/brokers/topics',
  brokerSeqId: '/brokers/seqid',
  controller: '/controller',
  controllerEpoch: '/controller_epoch',
  configTopics: '/config/topics',
  configBrokers: '/config/brokers',
  configChanges: '/config/changes',
  deleteTopics: '/admin/delete_topics',
  isrChangeNotification: '/isr_change_notification',
  logDirEventNotification: '/log_dir_event_notification',
  producerIdBlock: '/latest_producer_id_block',
} as const;

/** The persistent paths a broker makes sure exist when it first connects, as Kafka's do. */
export const PERSISTENT_PATHS = [
  '/consumers',
  PATHS.brokerIds,
  PATHS.brokerTopics,
  PATHS.configChanges,
  PATHS.deleteTopics,
  PATHS.brokerSeqId,
  PATHS.isrChangeNotification,
  PATHS.producerIdBlock,
  PATHS.logDirEventNotification,
  PATHS.configTopics,
  '/config/clients',
  '/config/users',
  PATHS.configBrokers,
  '/config/ips',
] as const;

export const brokerPath = (id: number): string => `${PATHS.brokerIds}/${id}`;
export const topicPath = (topic: string): string => `${PATHS.brokerTopics}/${topic}`;
export const partitionStatePath = (topic: string, partition: number): string =>
  `${topicPath(topic)}/partitions/${partition}/state`;
export const topicConfigPath = (topic: string): string => `${PATHS.configTopics}/${topic}`;
/** `/config/brokers/<id>`, or `/config/brokers/<default>` for the cluster-wide defaults. */
export const brokerConfigPath = (id: number | 'default'): string =>
  `${PATHS.configBrokers}/${id === 'default' ? '<default>' : id}`;
export const deleteTopicPath = (topic: string): string => `${PATHS.deleteTopics}/${topic}`;
/** The config znode of an entity path (`topics/<t>` -> `/config/topics/<t>`). */
export const entityConfigPath = (entityPath: string): string => `/config/${entityPath}`;
/** What a config change notification is created as; ZooKeeper appends a 10-digit sequence number. */
export const CONFIG_CHANGE_PREFIX = `${PATHS.configChanges}/config_change_`;
export const configChangePath = (name: string): string => `${PATHS.configChanges}/${name}`;
/** What a leader's ISR change notification is created as; ZooKeeper appends a 10-digit sequence number. */
export const ISR_CHANGE_PREFIX = `${PATHS.isrChangeNotification}/isr_change_`;
export const isrChangePath = (name: string): string => `${PATHS.isrChangeNotification}/${name}`;

/** A znode whose bytes are not what its layout says. */
export class ZnodeFormatError extends Error {
  constructor(path: string, why: string) {
    super(`ZooKeeper node ${path} is malformed: ${why}`);
    this.name = 'ZnodeFormatError';
  }
}

export interface BrokerRegistration {
  id: number;
  /** Listener name -> host and port, e.g. PLAINTEXT -> 127.0.0.1:9092, in the order advertised. */
  endpoints: { listener: string; securityProtocol: string; host: string; port: number }[];
  rack: string | null;
  /** When it registered (ms since the epoch). */
  timestamp: number;
}

export interface ControllerRegistration {
  brokerId: number;
  timestamp: number;
}

export interface TopicAssignment {
  /** The topic's id as Kafka writes it (base64 of 16 bytes, URL-safe without padding), or null. */
  topicId: string | null;
  /** Replicas of each partition, by partition index, the preferred leader first. */
  partitions: Map<number, number[]>;
  addingReplicas: Map<number, number[]>;
  removingReplicas: Map<number, number[]>;
}

export interface PartitionState {
  leader: number;
  leaderEpoch: number;
  isr: number[];
  controllerEpoch: number;
}

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value), 'utf8');

function parse(path: string, data: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(data.toString('utf8'));
  } catch {
    throw new ZnodeFormatError(path, 'not JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ZnodeFormatError(path, 'not a JSON object');
  }
  return value as Record<string, unknown>;
}

function int(path: string, o: Record<string, unknown>, key: string): number {
  const v = typeof o[key] === 'string' ? Number(o[key]) : o[key];
  if (typeof v !== 'number' || !Number.isSafeInteger(v))
    throw new ZnodeFormatError(path, `${key} is not a whole number`);
  return v;
}

function intList(path: string, v: unknown, what: string): number[] {
  if (!Array.isArray(v) || !v.every((x) => Number.isSafeInteger(x))) {
    throw new ZnodeFormatError(path, `${what} is not a list of whole numbers`);
  }
  return v as number[];
}

function replicaMap(path: string, v: unknown, what: string): Map<number, number[]> {
  const out = new Map<number, number[]>();
  if (v === undefined || v === null) return out;
  if (typeof v !== 'object' || Array.isArray(v)) throw new ZnodeFormatError(path, `${what} is not an object`);
  for (const [key, replicas] of Object.entries(v)) {
    const p = Number(key);
    if (!Number.isSafeInteger(p) || p < 0 || String(p) !== key) {
      throw new ZnodeFormatError(path, `${what} has a partition "${key}"`);
    }
    out.set(p, intList(path, replicas, `${what}["${key}"]`));
  }
  return out;
}

const mapToJson = (m: Map<number, number[]>): Record<string, number[]> =>
  Object.fromEntries([...m].sort((a, b) => a[0] - b[0]).map(([p, r]) => [String(p), r]));

export const clusterIdZnode = {
  encode: (id: string): Buffer => json({ version: '1', id }),
  decode(data: Buffer): string {
    const o = parse(PATHS.clusterId, data);
    if (typeof o.id !== 'string' || o.id === '') throw new ZnodeFormatError(PATHS.clusterId, 'id is missing');
    return o.id;
  },
};

export const brokerZnode = {
  encode(b: BrokerRegistration): Buffer {
    const first = b.endpoints[0];
    return json({
      features: {},
      listener_security_protocol_map: Object.fromEntries(
        b.endpoints.map((e) => [e.listener, e.securityProtocol]),
      ),
      endpoints: b.endpoints.map((e) => `${e.listener}://${e.host}:${e.port}`),
      jmx_port: -1,
      port: first?.port ?? -1,
      host: first?.host ?? null,
      version: 5,
      timestamp: String(b.timestamp),
      ...(b.rack === null ? {} : { rack: b.rack }),
    });
  },
  decode(id: number, data: Buffer): BrokerRegistration {
    const path = brokerPath(id);
    const o = parse(path, data);
    const protocols = (o.listener_security_protocol_map ?? {}) as Record<string, unknown>;
    if (!Array.isArray(o.endpoints)) throw new ZnodeFormatError(path, 'endpoints is not a list');
    const endpoints = o.endpoints.map((e: unknown) => {
      const m = typeof e === 'string' ? /^([^:]+):\/\/\[?([^\]]*?)\]?:(\d+)$/.exec(e) : null;
      if (!m) throw new ZnodeFormatError(path, `endpoint ${JSON.stringify(e)} is not LISTENER://host:port`);
      const listener = m[1]!;
      const protocol = protocols[listener];
      return {
        listener,
        securityProtocol: typeof protocol === 'string' ? protocol : listener,
        host: m[2]!,
        port: Number(m[3]),
      };
    });
    return {
      id,
      endpoints,
      rack: typeof o.rack === 'string' ? o.rack : null,
      timestamp: o.timestamp === undefined ? 0 : int(path, o, 'timestamp'),
    };
  },
};

export const controllerZnode = {
  encode: (c: ControllerRegistration): Buffer =>
    json({ version: 1, brokerid: c.brokerId, timestamp: String(c.timestamp) }),
  decode(data: Buffer): ControllerRegistration {
    const o = parse(PATHS.controller, data);
    const timestamp = o.timestamp === undefined ? 0 : int(PATHS.controller, o, 'timestamp');
    return { brokerId: int(PATHS.controller, o, 'brokerid'), timestamp };
  },
};

export const controllerEpochZnode = {
  encode: (epoch: number): Buffer => Buffer.from(String(epoch), 'utf8'),
  decode(data: Buffer): number {
    const text = data.toString('utf8').trim();
    const epoch = Number(text);
    if (text === '' || !Number.isSafeInteger(epoch) || epoch < 0) {
      throw new ZnodeFormatError(PATHS.controllerEpoch, `${JSON.stringify(text)} is not an epoch`);
    }
    return epoch;
  },
};

export const topicZnode = {
  encode: (t: TopicAssignment): Buffer =>
    json({
      version: 3,
      ...(t.topicId === null ? {} : { topic_id: t.topicId }),
      partitions: mapToJson(t.partitions),
      adding_replicas: mapToJson(t.addingReplicas),
      removing_replicas: mapToJson(t.removingReplicas),
    }),
  decode(topic: string, data: Buffer): TopicAssignment {
    const path = topicPath(topic);
    const o = parse(path, data);
    const partitions = replicaMap(path, o.partitions, 'partitions');
    if (partitions.size === 0) throw new ZnodeFormatError(path, 'no partitions');
    return {
      topicId: typeof o.topic_id === 'string' ? o.topic_id : null,
      partitions,
      addingReplicas: replicaMap(path, o.adding_replicas, 'adding_replicas'),
      removingReplicas: replicaMap(path, o.removing_replicas, 'removing_replicas'),
    };
  },
};

export const partitionStateZnode = {
  encode: (s: PartitionState): Buffer =>
    json({
      controller_epoch: s.controllerEpoch,
      leader: s.leader,
      version: 1,
      leader_epoch: s.leaderEpoch,
      isr: s.isr,
    }),
  decode(topic: string, partition: number, data: Buffer): PartitionState {
    const path = partitionStatePath(topic, partition);
    const o = parse(path, data);
    return {
      leader: int(path, o, 'leader'),
      leaderEpoch: int(path, o, 'leader_epoch'),
      isr: intList(path, o.isr, 'isr'),
      controllerEpoch: int(path, o, 'controller_epoch'),
    };
  },
};

/** /config/topics/<topic> and /config/brokers/<id>: property overrides, every value a string. */
export const entityConfigZnode = {
  encode: (config: Record<string, string>): Buffer => json({ version: 1, config }),
  decode(path: string, data: Buffer): Record<string, string> {
    const o = parse(path, data);
    const config = o.config ?? {};
    if (typeof config !== 'object' || config === null || Array.isArray(config)) {
      throw new ZnodeFormatError(path, 'config is not an object');
    }
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(config)) {
      if (typeof v !== 'string') throw new ZnodeFormatError(path, `config "${k}" is not a string`);
      out[k] = v;
    }
    return out;
  },
};

/** /config/changes/config_change_<seq>: which entity's config changed ("topics/t", "brokers/1"). */
export const configChangeZnode = {
  encode: (entityPath: string): Buffer => json({ version: 2, entity_path: entityPath }),
  decode(path: string, data: Buffer): string {
    const o = parse(path, data);
    if (o.version === 1 && typeof o.entity_type === 'string' && typeof o.entity_name === 'string')
      return `${o.entity_type}/${o.entity_name}`;
    if (typeof o.entity_path !== 'string') throw new ZnodeFormatError(path, 'entity_path is missing');
    return o.entity_path;
  },
};

/** /isr_change_notification/isr_change_<seq>: partitions whose ISR a leader changed. */
export const isrChangeZnode = {
  encode: (partitions: { topic: string; partition: number }[]): Buffer => json({ version: 1, partitions }),
  decode(path: string, data: Buffer): { topic: string; partition: number }[] {
    const o = parse(path, data);
    if (!Array.isArray(o.partitions)) throw new ZnodeFormatError(path, 'partitions is not a list');
    return o.partitions.map((p: unknown) => {
      const e = p as Record<string, unknown>;
      if (typeof e?.topic !== 'string' || !Number.isSafeInteger(e.partition)) {
        throw new ZnodeFormatError(path, `${JSON.stringify(p)} is not a topic partition`);
      }
      return { topic: e.topic, partition: e.partition as number };
    });
  },
};

/** /latest_producer_id_block: the last block of producer ids handed to a broker. */
export const producerIdBlockZnode = {
  encode: (b: { broker: number; blockStart: bigint; blockEnd: bigint }): Buffer =>
    json({ version: 1, broker: b.broker, block_start: String(b.blockStart), block_end: String(b.blockEnd) }),
  decode(data: Buffer): { broker: number; blockStart: bigint; blockEnd: bigint } {
    const path = PATHS.producerIdBlock;
    const o = parse(path, data);
    const big = (key: string): bigint => {
      const v = o[key];
      if ((typeof v !== 'string' && typeof v !== 'number') || !/^-?\d+$/.test(String(v))) {
        throw new ZnodeFormatError(path, `${key} is not a whole number`);
      }
      return BigInt(v);
    };
    return { broker: int(path, o, 'broker'), blockStart: big('block_start'), blockEnd: big('block_end') };
  },
};
