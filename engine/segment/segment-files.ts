/**
 * Names of the files that make up a partition directory, as Kafka names them, so that Kafka's own
 * tools read our directories:
 *
 *   <topic>-<partition>/                   one directory per partition (the topic may contain '-')
 *     00000000000000000000.log             record batches, back to back (engine/record/record-batch.ts)
 *     00000000000000000000.index           offset index (engine/segment/offset-index.ts)
 *     00000000000000000000.timeindex       time index (engine/segment/time-index.ts)
 *
 * The 20-digit number is the segment's base offset, zero-padded. Suffixes `.deleted`, `.cleaned`
 * and `.swap` mark files on their way out or in (deletion, compaction).
 *
 * A partition directory being deleted is first renamed, as Kafka does, to
 * `<topic, shortened>-<partition>.<32 hex digits>-delete`: the topic is cut so that the whole name
 * stays within 255 bytes (a topic name may be 249 characters), and the random part keeps a topic
 * deleted twice from colliding with itself.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';

/** The longest file name Linux file systems take. */
const MAX_NAME_BYTES = 255;
const DELETE_SUFFIX = '-delete';

export const LOG_SUFFIX = '.log';
export const INDEX_SUFFIX = '.index';
export const TIME_INDEX_SUFFIX = '.timeindex';
export const DELETED_SUFFIX = '.deleted';
export const CLEANED_SUFFIX = '.cleaned';
export const SWAP_SUFFIX = '.swap';

export type SegmentFileKind = 'log' | 'index' | 'timeindex';

const SUFFIX_OF: Record<SegmentFileKind, string> = {
  log: LOG_SUFFIX,
  index: INDEX_SUFFIX,
  timeindex: TIME_INDEX_SUFFIX,
};

/** The 20-digit, zero-padded base offset Kafka uses as a segment's file name. */
export function offsetFileStem(baseOffset: number): string {
  return String(baseOffset).padStart(20, '0');
}

export function segmentFileName(baseOffset: number, kind: SegmentFileKind): string {
  return offsetFileStem(baseOffset) + SUFFIX_OF[kind];
}

export function segmentFilePath(dir: string, baseOffset: number, kind: SegmentFileKind): string {
  return path.join(dir, segmentFileName(baseOffset, kind));
}

export interface ParsedSegmentFile {
  baseOffset: number;
  kind: SegmentFileKind;
  /** Extra suffix after the kind (`.deleted`, `.cleaned`, `.swap`), or '' for a live file. */
  state: string;
}

const SEGMENT_FILE = /^(\d{20})\.(log|index|timeindex)((?:\.deleted|\.cleaned|\.swap)?)$/;

/** Parses a segment file name, or returns undefined for any other file. */
export function parseSegmentFileName(name: string): ParsedSegmentFile | undefined {
  const match = SEGMENT_FILE.exec(name);
  if (!match) return undefined;
  return {
    baseOffset: Number(match[1]),
    kind: match[2] as SegmentFileKind,
    state: match[3] ?? '',
  };
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

/** `<topic>-<partition>`: the partition's directory name. */
export function partitionDirName(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

/**
 * Parses a partition directory name; the partition is after the LAST '-', since topic names may
 * contain '-'. Returns undefined for names that are not partition directories (e.g. a directory
 * being deleted, `<topic>-<partition>.<id>-delete`).
 */
export function parsePartitionDirName(name: string): TopicPartition | undefined {
  const dash = name.lastIndexOf('-');
  if (dash <= 0) return undefined;
  const partitionText = name.slice(dash + 1);
  if (!/^\d+$/.test(partitionText)) return undefined;
  const topic = name.slice(0, dash);
  if (!/^[a-zA-Z0-9._-]+$/.test(topic)) return undefined;
  return { topic, partition: Number(partitionText) };
}

/** The name a partition directory is renamed to before it is removed. */
export function deletionDirName(topic: string, partition: number): string {
  const suffix = `-${partition}.${randomUUID().replaceAll('-', '')}${DELETE_SUFFIX}`;
  // Topic names are ASCII, so characters are bytes.
  return topic.slice(0, Math.max(0, MAX_NAME_BYTES - suffix.length)) + suffix;
}

/** Whether `name` is a partition directory on its way out (any deletion name, Kafka's or older). */
export function isDeletionDirName(name: string): boolean {
  return name.endsWith(DELETE_SUFFIX);
}
