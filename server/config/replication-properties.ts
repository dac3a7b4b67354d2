/**
 * The broker properties of replication in cluster mode: how followers fetch from leaders and how
 * long a follower may lag before the leader drops it from the in-sync replica set. Named and
 * defaulted as Kafka's (2.5+ for replica.lag.time.max.ms). Part of the broker property registry
 * (broker-properties.ts); a single node ignores them.
 *
 * The replication throttles (Kafka's replication quotas, KIP-73) are here too: how fast this
 * broker copies the replicas a topic names in its *.replication.throttled.replicas configs, which
 * a partition move sets (server/cluster/replication/replication-quota.ts). Their rates change at
 * run time, per broker, as in Kafka; the window they are measured over is read at start.
 */
import { LONG_MAX_TEXT } from '../../engine/index.js';
import type { BrokerProperty } from './broker-property.js';

const group = 'Replication';

type Own = Omit<BrokerProperty, 'group' | 'synonyms'>;

const OWN: Own[] = [
  {
    name: 'replica.lag.time.max.ms',
    type: 'long',
    min: 1,
    default: '30000',
    dynamic: 'read-only',
    doc:
      "A follower that has not caught up to the leader's log end for this long (or not fetched at all) " +
      'leaves the in-sync replica set.',
  },
  {
    name: 'replica.fetch.max.bytes',
    type: 'int',
    min: 0,
    default: '1048576',
    dynamic: 'read-only',
    doc: 'Bytes a follower asks for per partition in each fetch (at least one batch comes whatever its size).',
  },
  {
    name: 'replica.fetch.response.max.bytes',
    type: 'int',
    min: 0,
    default: '10485760',
    dynamic: 'read-only',
    doc: "Bytes a follower asks for in all of a fetch's partitions together.",
  },
  {
    name: 'replica.fetch.wait.max.ms',
    type: 'int',
    min: 0,
    default: '500',
    dynamic: 'read-only',
    doc: "How long a leader may hold a follower's fetch waiting for data (keep it below replica.lag.time.max.ms).",
  },
  {
    name: 'replica.fetch.min.bytes',
    type: 'int',
    min: 1,
    default: '1',
    dynamic: 'read-only',
    doc: "Bytes a follower's fetch waits for before the leader answers it.",
  },
  {
    name: 'kiln.replica.linger.ms',
    type: 'int',
    min: 0,
    default: '5',
    dynamic: 'read-only',
    doc:
      "How long a leader may hold a follower's fetch that found records, but fewer than " +
      'kiln.replica.linger.bytes, to answer it with more: fewer, larger round trips cost the leader and ' +
      'its followers less CPU. Never while an acks=all request or an offset commit waits for the ' +
      'followers; consumers see acks=1 records up to this much later. 0 answers at once, as Kafka does.',
  },
  {
    name: 'kiln.replica.linger.bytes',
    type: 'int',
    min: 0,
    default: '1048576',
    dynamic: 'read-only',
    doc: "A follower's fetch holding this many bytes of records is answered without lingering (kiln.replica.linger.ms).",
  },
  {
    name: 'replica.fetch.backoff.ms',
    type: 'int',
    min: 0,
    default: '1000',
    dynamic: 'read-only',
    doc: 'How long a follower waits after a failed fetch before it tries that leader again.',
  },
  {
    name: 'leader.replication.throttled.rate',
    type: 'long',
    min: 0,
    default: LONG_MAX_TEXT,
    dynamic: 'per-broker',
    describedWhenSet: true,
    doc:
      'Bytes per second this broker, as leader, sends of its throttled replicas ' +
      '(leader.replication.throttled.replicas) to followers outside the ISR; the default is no limit.',
  },
  {
    name: 'follower.replication.throttled.rate',
    type: 'long',
    min: 0,
    default: LONG_MAX_TEXT,
    dynamic: 'per-broker',
    describedWhenSet: true,
    doc:
      'Bytes per second this broker, as follower, fetches of its throttled replicas ' +
      '(follower.replication.throttled.replicas) that are not caught up; the default is no limit.',
  },
  {
    name: 'replication.quota.window.num',
    type: 'int',
    min: 1,
    default: '11',
    dynamic: 'read-only',
    doc: 'How many samples the replication throttles measure their rate over.',
  },
  {
    name: 'replication.quota.window.size.seconds',
    type: 'int',
    min: 1,
    default: '1',
    dynamic: 'read-only',
    doc: 'How long each sample of the replication throttles lasts, in seconds.',
  },
  {
    name: 'controlled.shutdown.enable',
    type: 'boolean',
    default: 'true',
    dynamic: 'read-only',
    doc:
      "On a clean stop, ask the controller to move this broker's leaderships to other in-sync replicas " +
      'first, so no partition is left without a leader.',
  },
  {
    name: 'controlled.shutdown.max.retries',
    type: 'int',
    min: 0,
    default: '3',
    dynamic: 'read-only',
    doc: 'Further attempts at a controlled shutdown when partitions are left or the controller cannot be reached.',
  },
  {
    name: 'controlled.shutdown.retry.backoff.ms',
    type: 'long',
    min: 0,
    default: '5000',
    dynamic: 'read-only',
    doc: 'Wait between controlled shutdown attempts.',
  },
];

export const REPLICATION_PROPERTIES: BrokerProperty[] = OWN.map((p) => ({
  ...p,
  group,
  synonyms: [{ name: p.name }],
}));
