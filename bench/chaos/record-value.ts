/**
 * The value of every record the chaos load writes, and how the checker reads it back. Written by
 * bench/chaos/producer.py, parsed here; both sides follow this description.
 *
 * A value is ASCII: `<id> <incarnation> <padding>`, fields separated by one space.
 *   - id: `<producer>-<seq>`: the producer's index (0, 1, ...: one Python process each) and a
 *     sequence number that process counts up from 0 for every record it hands to librdkafka. So an
 *     id names one record of the whole run, and no two records carry the same id.
 *   - incarnation: which librdkafka producer instance of that process sent it (0, then 1 after a
 *     fatal idempotence error, or librdkafka stuck on a stale broker, made the process start a new
 *     one, ...). Order is only promised within one instance: a new instance has a new producer id.
 *   - padding: `x` repeated to make the value the size asked for (may be empty).
 */

export interface RecordValue {
  /** `<producer>-<seq>`. */
  id: string;
  producer: number;
  seq: number;
  incarnation: number;
}

const VALUE = /^(\d+)-(\d+) (\d+)(?: |$)/;

/** The parts of a value the chaos load wrote, or null for any other value. */
export function parseRecordValue(value: string): RecordValue | null {
  const match = VALUE.exec(value);
  if (!match) return null;
  return {
    id: `${match[1]}-${match[2]}`,
    producer: Number(match[1]),
    seq: Number(match[2]),
    incarnation: Number(match[3]),
  };
}

/** A value as the producer writes it (used by tests to make records the checker reads). */
export function formatRecordValue(producer: number, seq: number, incarnation: number, size = 0): string {
  const head = `${producer}-${seq} ${incarnation}`;
  return size > head.length + 1 ? `${head} ${'x'.repeat(size - head.length - 1)}` : head;
}
