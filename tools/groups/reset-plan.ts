/**
 * The new offsets of `kiln groups --reset-offsets`, worked out as Kafka's consumer-groups tool
 * works them out. Which partitions: `--topic T` (all its partitions), `--topic T:0,2` (those), or
 * `--all-topics` (every topic the group has commits for). Where to:
 *
 *   --to-earliest / --to-latest   the log start / the log end
 *   --to-current                  the committed offset (the log end where there is none)
 *   --to-offset N                 N
 *   --shift-by N                  the committed offset plus N (negative goes back); a partition
 *                                 with no commit cannot be shifted
 *   --to-datetime T / --by-duration D   the first offset at or after T (now minus D); the log end
 *                                 when no record is that new
 *
 * Every target is kept within the log: below its start becomes the start, past its end the end.
 */
import { EARLIEST, LATEST, type KafkaClient } from '../client/kafka-client.js';
import { UsageError } from '../kiln.js';

export type ResetSpec =
  | { kind: 'earliest' }
  | { kind: 'latest' }
  | { kind: 'current' }
  | { kind: 'offset'; offset: number }
  | { kind: 'shift'; by: number }
  | { kind: 'timestamp'; timestamp: number };

/** A `--topic` value: a topic, and the partitions named after a colon (all when none). */
export interface TopicScope {
  topic: string;
  partitions: number[] | null;
}

export interface PlannedOffset {
  topic: string;
  partition: number;
  /** The offset committed now (null when none). */
  current: number | null;
  newOffset: number;
}

/** Parses `T` or `T:0,1,2`. */
export function parseTopicScope(text: string): TopicScope {
  const colon = text.lastIndexOf(':');
  if (colon < 0) return { topic: text, partitions: null };
  const topic = text.slice(0, colon);
  const list = text.slice(colon + 1);
  if (!topic || !/^\d+(,\d+)*$/.test(list))
    throw new UsageError(`--topic '${text}': expected TOPIC or TOPIC:PARTITION,PARTITION,...`);
  return { topic, partitions: list.split(',').map(Number) };
}

/** The reset of `group` over `scopes` to `spec`; throws a readable Error when it cannot be done. */
export async function planReset(
  client: KafkaClient,
  group: string,
  scopes: TopicScope[],
  spec: ResetSpec,
  committed: Map<string, Map<number, number>>,
): Promise<PlannedOffset[]> {
  const plan: PlannedOffset[] = [];
  for (const scope of scopes) {
    const topic = await client.topic(scope.topic);
    const all = topic.partitions.map((p) => p.partition).sort((a, b) => a - b);
    const partitions = scope.partitions ?? all;
    const missing = partitions.filter((p) => !all.includes(p));
    if (missing.length > 0)
      throw new Error(`topic '${scope.topic}' has no partition ${missing.join(', ')} (it has ${all.length})`);
    const earliest = await client.listOffsets(topic, partitions, EARLIEST);
    const latest = await client.listOffsets(topic, partitions, LATEST);
    const atTime =
      spec.kind === 'timestamp' ? await client.listOffsets(topic, partitions, spec.timestamp) : undefined;
    for (const partition of partitions) {
      const low = earliest.get(partition)!;
      const high = latest.get(partition)!;
      const current = committed.get(scope.topic)?.get(partition) ?? null;
      let target: number;
      switch (spec.kind) {
        case 'earliest':
          target = low;
          break;
        case 'latest':
          target = high;
          break;
        case 'current':
          target = current ?? high;
          break;
        case 'offset':
          target = spec.offset;
          break;
        case 'shift':
          if (current === null) {
            throw new Error(
              `cannot shift the offset of ${scope.topic}-${partition} for group '${group}': it has no committed offset`,
            );
          }
          target = current + spec.by;
          break;
        case 'timestamp': {
          const found = atTime!.get(partition) ?? -1;
          target = found < 0 ? high : found;
          break;
        }
      }
      plan.push({ topic: scope.topic, partition, current, newOffset: Math.min(Math.max(target, low), high) });
    }
  }
  return plan;
}
