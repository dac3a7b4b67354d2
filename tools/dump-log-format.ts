/**
 * The text lines of `kiln dump-log`, in the layout of Kafka's kafka-dump-log.sh (DumpLogSegments),
 * so that scripts written against Kafka's tool (awk on `baseOffset:`, grep on `isvalid:`) read ours:
 *
 *   Dumping <file>
 *   Starting offset: <base offset from the file name>
 *   baseOffset: B lastOffset: L count: C baseSequence: S lastSequence: S producerId: P
 *     producerEpoch: E partitionLeaderEpoch: PLE isTransactional: T isControl: T position: POS
 *     CreateTime: MAXTS size: N magic: 2 compresscodec: NONE crc: CRC isvalid: true     (one line)
 *   | offset: O CreateTime: TS keySize: K valueSize: V sequence: S headerKeys: [a,b] key: .. payload: ..
 *
 * Every field is `name: value` separated by single spaces, one batch or record per line. The
 * timestamp field is named by the batch's timestamp type (CreateTime or LogAppendTime), as Kafka
 * does; compresscodec is upper case (Kafka 2.x prints the codec enum's name). Record lines start
 * with `| `; key and payload appear only with --print-data-log and only when not null. A control
 * batch's records show `endTxnMarker: COMMIT|ABORT coordinatorEpoch: N` instead of key and payload.
 * Index files print `offset: N position: P`, time indexes `timestamp: T offset: N`.
 */
import { Codec, TimestampType } from '../engine/index.js';
import type { Record, RecordBatch } from '../engine/index.js';
import type { BatchInfo, OffsetEntry, ProducerSnapshotEntry, TimeEntry } from './log-scan.js';

const INT32_MAX = 0x7fffffff;

/** A producer sequence moved on by `delta`, wrapping past 2^31-1 to 0 as producers do. */
export function sequenceAfter(base: number, delta: number): number {
  if (base < 0) return -1;
  return base > INT32_MAX - delta ? delta - (INT32_MAX - base) - 1 : base + delta;
}

export function codecLabel(codec: Codec): string {
  return (Codec[codec] as string | undefined)?.toUpperCase() ?? `UNKNOWN(${codec})`;
}

function timestampLabel(batch: RecordBatch): string {
  return TimestampType[batch.timestampType] as string;
}

/** One batch line; `crcValid` is passed in so the CRC is computed once per batch. */
export function batchLine(batch: RecordBatch, crcValid: boolean): string {
  return (
    `baseOffset: ${batch.baseOffset} lastOffset: ${batch.lastOffset} count: ${batch.recordCount} ` +
    `baseSequence: ${batch.baseSequence} lastSequence: ${sequenceAfter(batch.baseSequence, batch.lastOffsetDelta)} ` +
    `producerId: ${batch.producerId} producerEpoch: ${batch.producerEpoch} ` +
    `partitionLeaderEpoch: ${batch.partitionLeaderEpoch} isTransactional: ${batch.isTransactional} ` +
    `isControl: ${batch.isControl} position: ${batch.position} ${timestampLabel(batch)}: ${batch.maxTimestamp} ` +
    `size: ${batch.sizeInBytes} magic: ${batch.magic} compresscodec: ${codecLabel(batch.codec)} ` +
    `crc: ${batch.crc} isvalid: ${crcValid}`
  );
}

/** A control record (transaction marker): key = version int16, type int16; value = version int16, coordinator epoch int32. */
function controlText(record: Record): string {
  const key = record.key;
  if (!key || key.length < 4) return ' controlType: UNKNOWN(-1)';
  const type = key.readInt16BE(2);
  if (type === 0 || type === 1) {
    const epoch = record.value && record.value.length >= 6 ? record.value.readInt32BE(2) : -1;
    return ` endTxnMarker: ${type === 0 ? 'ABORT' : 'COMMIT'} coordinatorEpoch: ${epoch}`;
  }
  return ` controlType: UNKNOWN(${type})`;
}

export interface RecordLineOptions {
  /** Print key and payload (--print-data-log). */
  data: boolean;
  /** Leave out offset, sizes, sequence and headers (--skip-record-metadata). */
  skipMetadata: boolean;
}

/** One record line; `render` turns key or value bytes into text (the chosen decoder). */
export function recordLine(
  batch: RecordBatch,
  record: Record,
  options: RecordLineOptions,
  render: (bytes: Buffer) => string,
): string {
  let line = '|';
  if (!options.skipMetadata) {
    line +=
      ` offset: ${record.offset} ${timestampLabel(batch)}: ${record.timestamp} ` +
      `keySize: ${record.key?.length ?? -1} valueSize: ${record.value?.length ?? -1} ` +
      `sequence: ${sequenceAfter(batch.baseSequence, record.offset - batch.baseOffset)} ` +
      `headerKeys: [${record.headers.map((h) => h.key).join(',')}]`;
    if (batch.isControl) line += controlText(record);
  }
  if (options.data && !batch.isControl) {
    if (record.key !== null) line += ` key: ${render(record.key)}`;
    if (record.value !== null) line += ` payload: ${render(record.value)}`;
  }
  return line;
}

/** A producer snapshot entry in Kafka's field order (firstSequence derived from the last batch). */
export function producerLine(e: ProducerSnapshotEntry): string {
  let firstSequence = e.lastSequence < 0 ? -1 : e.lastSequence - e.offsetDelta;
  if (e.lastSequence >= 0 && firstSequence < 0) firstSequence += INT32_MAX + 1; // wrapped past 2^31-1
  return (
    `producerId: ${e.producerId} producerEpoch: ${e.producerEpoch} coordinatorEpoch: ${e.coordinatorEpoch} ` +
    `currentTxnFirstOffset: ${e.currentTxnFirstOffset} firstSequence: ${firstSequence} ` +
    `lastSequence: ${e.lastSequence} lastOffset: ${e.lastOffset} offsetDelta: ${e.offsetDelta} timestamp: ${e.timestamp}`
  );
}

/**
 * --verify-index-only's findings as Kafka's tool reports them on stderr, for scripts that grep it:
 * `Mismatches in :<file>` then `  Index offset: N, log offset: M` per offset index entry whose
 * batch ends elsewhere; for a time index, `Found timestamp mismatch in :<file>` with
 * `  Index timestamp: T, log timestamp: M`, and indexed offsets with no batch ending there.
 */
export function kafkaIndexMismatches(
  file: string,
  offsets: OffsetEntry[],
  times: TimeEntry[],
  batches: BatchInfo[],
): string[] {
  const lines: string[] = [];
  const byPosition = new Map(batches.map((b) => [b.position, b]));
  const badOffsets = offsets.filter((e) => byPosition.get(e.position)?.lastOffset !== e.offset);
  if (badOffsets.length > 0) {
    lines.push(`Mismatches in :${file}`);
    for (const e of badOffsets)
      lines.push(`  Index offset: ${e.offset}, log offset: ${byPosition.get(e.position)?.lastOffset ?? -1}`);
  }
  const mismatched: string[] = [];
  const notFound: string[] = [];
  for (const e of times) {
    const batch = batches.find((b) => b.lastOffset >= e.offset);
    if (batch?.lastOffset !== e.offset)
      notFound.push(`Indexed offset: ${e.offset}, found log offset: ${batch?.lastOffset ?? -1}`);
    else if (batch.maxTimestamp !== e.timestamp)
      mismatched.push(`  Index timestamp: ${e.timestamp}, log timestamp: ${batch.maxTimestamp}`);
  }
  if (mismatched.length > 0) lines.push(`Found timestamp mismatch in :${file}`, ...mismatched);
  if (notFound.length > 0) lines.push('The following indexed offsets are not found in the log.', ...notFound);
  return lines;
}
