/**
 * The verdict of a chaos run: every record the producers say the cluster acknowledged, against
 * what the partitions hold when read back from offset 0 after the cluster settled.
 *
 *   - lost: acknowledged, and found nowhere;
 *   - moved: acknowledged at one partition and offset, found only elsewhere (the record at the
 *     acknowledged offset is gone: a consumer that read it there saw something else later); an
 *     acknowledgement without an offset (load-generator.ts) only needs its partition;
 *   - duplicated: an id stored more than once (idempotence should make it impossible);
 *   - out of order: in one partition, a record of one producer instance after one it sent later
 *     (ids going backwards; duplicates are counted as duplicated, not here).
 * Records stored but never acknowledged (the client gave up, or never heard back) are counted,
 * but are no fault. A run passes when lost, moved, duplicated and out of order are all 0.
 */
import type { AckedRecord } from './load-generator.js';
import { parseRecordValue } from './record-value.js';

/** A record read back: its offset and value. */
export interface StoredRecord {
  offset: number;
  value: string;
}

export interface CheckResult {
  acknowledged: number;
  /** Records read back (all values, ours or not). */
  stored: number;
  lost: number;
  moved: number;
  duplicated: number;
  outOfOrder: number;
  /** Ours, stored, never acknowledged. */
  storedUnacknowledged: number;
  /** Values that are not the load's (record-value.ts). */
  foreign: number;
  /** The same id acknowledged twice by the client (never expected either). */
  ackedTwice: number;
  /** Acknowledged without an offset (a retried batch the broker already held). */
  ackedWithoutOffset: number;
  /** A few of each, to look at: `<topic>/<partition>@<offset> <id>`. */
  examples: { lost: string[]; moved: string[]; duplicated: string[]; outOfOrder: string[] };
}

const EXAMPLES = 20;

/** `stored` maps `<topic>/<partition>` to its records in offset order. */
export function checkRecords(
  acked: Iterable<AckedRecord>,
  stored: ReadonlyMap<string, readonly StoredRecord[]>,
): CheckResult {
  const result: CheckResult = {
    acknowledged: 0,
    stored: 0,
    lost: 0,
    moved: 0,
    duplicated: 0,
    outOfOrder: 0,
    storedUnacknowledged: 0,
    foreign: 0,
    ackedTwice: 0,
    ackedWithoutOffset: 0,
    examples: { lost: [], moved: [], duplicated: [], outOfOrder: [] },
  };
  const note = (list: string[], text: string): void => {
    if (list.length < EXAMPLES) list.push(text);
  };
  /** Where each id was found first: `<topic>/<partition>@<offset>`. */
  const found = new Map<string, string>();
  /** The later places of the ids found more than once. */
  const alsoAt = new Map<string, string[]>();
  for (const [partition, records] of stored) {
    /** The last seq seen per producer instance in this partition. */
    const lastSeq = new Map<string, number>();
    for (const record of records) {
      result.stored++;
      const value = parseRecordValue(record.value);
      if (!value) {
        result.foreign++;
        continue;
      }
      const place = `${partition}@${record.offset}`;
      const first = found.get(value.id);
      if (first !== undefined) {
        result.duplicated++;
        note(result.examples.duplicated, `${value.id} at ${first} and ${place}`);
        alsoAt.set(value.id, [...(alsoAt.get(value.id) ?? []), place]);
      } else {
        found.set(value.id, place);
      }
      const writer = `${value.producer}.${value.incarnation}`;
      const last = lastSeq.get(writer);
      if (last !== undefined && value.seq < last) {
        result.outOfOrder++;
        note(result.examples.outOfOrder, `${place} ${value.id} after ${value.producer}-${last}`);
      }
      lastSeq.set(writer, Math.max(last ?? -1, value.seq));
    }
  }
  const ackedIds = new Set<string>();
  for (const a of acked) {
    result.acknowledged++;
    if (ackedIds.has(a.id)) result.ackedTwice++;
    ackedIds.add(a.id);
    const partition = `${a.topic}/${a.partition}`;
    const place = a.offset === null ? `${partition}@?` : `${partition}@${a.offset}`;
    if (a.offset === null) result.ackedWithoutOffset++;
    const first = found.get(a.id);
    const at = (where: string): boolean =>
      a.offset === null ? where.startsWith(`${partition}@`) : where === place;
    if (first === undefined) {
      result.lost++;
      note(result.examples.lost, `${place} ${a.id}`);
    } else if (!at(first) && !alsoAt.get(a.id)?.some(at)) {
      const places = [first, ...(alsoAt.get(a.id) ?? [])];
      result.moved++;
      note(result.examples.moved, `${a.id} acknowledged at ${place}, found at ${places.join(', ')}`);
    }
  }
  for (const id of found.keys()) if (!ackedIds.has(id)) result.storedUnacknowledged++;
  return result;
}

/** Whether a check found nothing wrong. */
export function passed(result: CheckResult): boolean {
  return result.lost === 0 && result.moved === 0 && result.duplicated === 0 && result.outOfOrder === 0;
}
