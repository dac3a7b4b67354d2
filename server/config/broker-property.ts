/**
 * What the broker property registry (broker-properties.ts) records of each property: its type
 * and range, default, update mode, documentation and synonyms.
 */
import type { BrokerSynonym, ValueSpec } from '../../engine/index.js';

export type UpdateMode = 'read-only' | 'per-broker' | 'cluster-wide';

export interface BrokerProperty extends ValueSpec {
  name: string;
  /** Built-in default as text; null when there is none. */
  default: string | null;
  /** Whether and where it can change at run time (AlterConfigs on a broker resource). */
  dynamic: UpdateMode;
  doc: string;
  /** Heading in the generated server.properties. */
  group: string;
  /** Every name that sets the same value, in precedence order (this property's own included). */
  synonyms: readonly BrokerSynonym[];
  /** The topic property whose default this sets (log.* properties). */
  topic?: string;
  /** Kiln's own addition, not a property Kafka 2.x brokers have. */
  extension?: boolean;
  /** Accepted so Kafka's server.properties works, but Kiln does not use it. */
  ignored?: boolean;
  /**
   * Deprecated by Kafka and ignored, but still described as Kafka 2.4 describes it (the synonym
   * of a deprecated topic property: log.message.format.version). Warned about when set.
   */
  deprecated?: boolean;
  /**
   * Described only where something sets it, as Kafka 2.x describes its dynamic-only broker
   * configs (the replication throttles' rates are not among its static properties).
   */
  describedWhenSet?: boolean;
}
