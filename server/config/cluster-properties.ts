/**
 * The broker properties of cluster mode: where ZooKeeper is, how long to wait for it, and the
 * broker's rack. `zookeeper.connect` set means cluster mode (brokers registered in ZooKeeper, one
 * of them the controller); unset, the broker is the embedded single node and needs no other
 * service. Part of the broker property registry (broker-properties.ts).
 */
import type { BrokerProperty } from './broker-property.js';

const group = 'Cluster (ZooKeeper)';

type Own = Omit<BrokerProperty, 'group' | 'synonyms'>;

const OWN: Own[] = [
  {
    name: 'zookeeper.connect',
    type: 'string',
    default: null,
    dynamic: 'read-only',
    doc:
      'ZooKeeper servers as host:port[,host:port...][/chroot]; set, the broker joins the cluster ' +
      'kept there; unset, it runs alone with no other service.',
  },
  {
    name: 'zookeeper.session.timeout.ms',
    type: 'int',
    min: 1,
    default: '18000',
    dynamic: 'read-only',
    doc: "How long ZooKeeper keeps the broker's session (and its registration) without hearing from it.",
  },
  {
    name: 'zookeeper.connection.timeout.ms',
    type: 'int',
    min: 1,
    default: null,
    dynamic: 'read-only',
    doc: 'How long the broker tries to reach ZooKeeper at start before it gives up (unset: zookeeper.session.timeout.ms).',
  },
  {
    name: 'offsets.topic.replication.factor',
    type: 'int',
    min: 1,
    default: '3',
    dynamic: 'read-only',
    doc:
      'Replicas of each __consumer_offsets partition in a cluster; until that many brokers are alive the ' +
      'topic is not made and group requests get COORDINATOR_NOT_AVAILABLE (a single node ignores it).',
  },
  {
    name: 'auto.leader.rebalance.enable',
    type: 'boolean',
    default: 'true',
    dynamic: 'read-only',
    doc:
      "The controller moves leadership back to preferred replicas (each partition's first replica) " +
      'when a broker leads too few of the partitions it is preferred for.',
  },
  {
    name: 'leader.imbalance.per.broker.percentage',
    type: 'int',
    min: 0,
    max: 100,
    default: '10',
    dynamic: 'read-only',
    doc:
      "How much of a broker's preferred partitions may be led elsewhere before auto leader balancing " +
      'moves them back (percent).',
  },
  {
    name: 'leader.imbalance.check.interval.seconds',
    type: 'long',
    min: 1,
    default: '300',
    dynamic: 'read-only',
    doc: 'How often the controller checks the leader balance (seconds).',
  },
  {
    name: 'broker.rack',
    type: 'string',
    default: null,
    dynamic: 'read-only',
    doc: "The broker's rack; replicas of a partition are spread across racks when brokers have them.",
  },
];

export const CLUSTER_PROPERTIES: BrokerProperty[] = OWN.map((p) => ({
  ...p,
  group,
  synonyms: [{ name: p.name }],
}));
