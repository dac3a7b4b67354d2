/**
 * `kiln dump-log`: prints what is inside log files, like Kafka's kafka-dump-log. Purely read-only:
 * index files are opened read-only and nothing is repaired (that is `kiln verify --repair`).
 * The text output keeps Kafka's field names and layout (tools/dump-log-format.ts) and Kafka's flags
 * are accepted, so scripts written for kafka-dump-log.sh work; --json is Kiln's own format.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  LOG_START_OFFSET_CHECKPOINT,
  RECOVERY_POINT_CHECKPOINT,
  parseSegmentFileName,
  readCheckpoint,
  readRecords,
} from '../../engine/index.js';
import type { RecordBatch } from '../../engine/index.js';
import { batchLine, kafkaIndexMismatches, producerLine, recordLine } from '../dump-log-format.js';
import type { Command } from '../kiln.js';
import { UsageError } from '../kiln.js';
import {
  batchInfo,
  checkOffsetEntries,
  checkTimeEntries,
  indexSanityProblem,
  readOffsetIndex,
  readProducerSnapshot,
  readTimeIndex,
  scanLog,
  walkBatches,
} from '../log-scan.js';

const USAGE = `usage: kiln dump-log --files F[,F...] [options]

Prints the contents of log files, chosen by suffix:
  .log         one line per batch (with --deep-iteration, one per record too)
  .index       offset index entries; .timeindex  time index entries
  .snapshot    producer state snapshot entries
  recovery-point-offset-checkpoint, log-start-offset-checkpoint   checkpoint entries

The text output uses the field names and layout of Kafka's kafka-dump-log.sh ("Dumping <file>",
"Starting offset: N", "baseOffset: .. lastOffset: .. count: .. ... compresscodec: ZSTD crc: ..
isvalid: true", record lines starting with "| offset: "), so scripts written for it work here.

options:
  --files F[,F...]          files to dump (required; may be given more than once)
  --deep-iteration          decode each record: offset, timestamp, key/value sizes, sequence, header keys
  --print-data-log          also print keys and payloads (implies --deep-iteration)
  --skip-record-metadata    with --print-data-log, print only key and payload on record lines
  --value-decoder D         string (default), hex, or json (checked and printed on one line);
                            applies to keys and header values too
  --max-bytes N             read at most N bytes of each .log (the batch crossing N is left out)
  --verify-index-only       check every index entry against the .log beside it; print problems only
  --index-sanity-check      run the index sanity check (file length, entry order) only
  --json                    one JSON object per line ("type": batch, record, index, timeindex,
                            checkpoint, producer, error); key/value/headers with --print-data-log

Kafka's flags accepted for its scripts' sake: --max-message-size N (no effect: whole batches are
read), --key-decoder-class / --value-decoder-class (kafka.serializer.StringDecoder is the default;
any other class is ignored with a warning: use --value-decoder), --offsets-decoder and
--transaction-log-decoder (ignored with a warning).

Exit 0 on success, 1 when a corrupt batch or a bad index entry was found, 2 on bad usage.`;

type Decoder = 'string' | 'hex' | 'json';

interface DumpOptions {
  deep: boolean;
  data: boolean;
  skipMetadata: boolean;
  decoder: Decoder;
  maxBytes: number;
  verifyIndexOnly: boolean;
  sanityOnly: boolean;
  json: boolean;
}

/** Collects output and writes it in one go per file, so a long dump is not one write per record. */
class Out {
  private lines: string[] = [];
  constructor(private readonly json: boolean) {}
  /** Emits `human` as text, or `obj` as one JSON line. */
  emit(human: string, obj: object): void {
    this.lines.push(this.json ? JSON.stringify(obj) : human);
    if (this.lines.length >= 1000) this.flush();
  }
  /** A text-only line (headers, summaries); JSON output leaves it out so every line parses. */
  text(line: string): void {
    if (!this.json) this.lines.push(line);
  }
  flush(): void {
    if (this.lines.length > 0) process.stdout.write(this.lines.join('\n') + '\n');
    this.lines = [];
  }
}

/**
 * Renders bytes with the chosen decoder; for JSON output a valid JSON value is embedded as-is. Text
 * output keeps JSON on one line: one record per line is what scripts reading the dump rely on.
 */
function decode(bytes: Buffer | null, decoder: Decoder, forJson: boolean): unknown {
  if (bytes === null) return null;
  if (decoder === 'hex') return bytes.toString('hex');
  const text = bytes.toString('utf8');
  if (decoder === 'json') {
    try {
      const value: unknown = JSON.parse(text);
      return forJson ? value : JSON.stringify(value);
    } catch {
      return text; // not JSON: show it as text rather than fail the dump
    }
  }
  return text;
}

function dumpRecords(batch: RecordBatch, options: DumpOptions, out: Out): void {
  const render = (b: Buffer | null): unknown => decode(b, options.decoder, options.json);
  const renderText = (b: Buffer): string => String(decode(b, options.decoder, false));
  for (const record of readRecords(batch)) {
    const human = options.json ? '' : recordLine(batch, record, options, renderText);
    const base = {
      type: 'record',
      offset: record.offset,
      timestamp: record.timestamp,
      keySize: record.key?.length ?? -1,
      valueSize: record.value?.length ?? -1,
      headerCount: record.headers.length,
    };
    if (!options.data) {
      out.emit(human, base);
      continue;
    }
    const headers = record.headers.map((h) => ({ key: h.key, value: render(h.value) }));
    out.emit(human, { ...base, key: render(record.key), value: render(record.value), headers });
  }
}

/** The base offset a `.log` file's name says (Kafka prints it as the starting offset). */
function startingOffset(file: string): number | undefined {
  const parsed = parseSegmentFileName(path.basename(file));
  if (parsed) return parsed.baseOffset;
  const prefix = path.basename(file).split('.')[0] ?? '';
  return /^\d+$/.test(prefix) ? Number(prefix) : undefined;
}

function dumpLog(file: string, options: DumpOptions, out: Out): number {
  const buf = fs.readFileSync(file);
  const start = startingOffset(file);
  if (start !== undefined) out.text(`Starting offset: ${start}`);
  for (const step of walkBatches(buf, options.maxBytes)) {
    if (step.kind === 'limit') {
      out.text(`Stopped at position ${step.position}: --max-bytes ${options.maxBytes} reached`);
      break;
    }
    if (step.kind === 'error') {
      out.emit(`error: ${step.message}`, {
        type: 'error',
        file,
        position: step.position,
        message: step.message,
      });
      // Kafka's tool ends a damaged file with this line; scripts look for it.
      out.text(`Found ${buf.length - step.position} invalid bytes at the end of ${path.basename(file)}`);
      return 1;
    }
    const info = batchInfo(step.batch);
    out.emit(options.json ? '' : batchLine(step.batch, info.crcValid), { type: 'batch', ...info });
    if (options.deep) {
      try {
        dumpRecords(step.batch, options, out);
      } catch (err) {
        // The header and CRC were fine but the records inside do not decode: still corruption.
        const message = (err as Error).message;
        out.emit(`error: ${message}`, { type: 'error', file, position: info.position, message });
        return 1;
      }
    }
  }
  return 0;
}

function dumpIndex(file: string, kind: 'index' | 'timeindex', options: DumpOptions, out: Out): number {
  const parsed = parseSegmentFileName(path.basename(file));
  if (!parsed) throw new UsageError(`${file}: an index file name must be <20-digit base offset>.${kind}`);
  const base = parsed.baseOffset;
  if (options.sanityOnly) {
    const problem = indexSanityProblem(kind, file, base);
    out.emit(problem ? `${file}: ${problem}` : `${file} passed sanity check.`, {
      type: 'sanity',
      file,
      ok: !problem,
      ...(problem ? { message: problem } : {}),
    });
    return problem ? 1 : 0;
  }
  const offsets = kind === 'index' ? readOffsetIndex(file, base) : [];
  const times = kind === 'timeindex' ? readTimeIndex(file, base) : [];
  if (options.verifyIndexOnly) {
    const logFile = path.join(path.dirname(file), path.basename(file).replace(/\.(time)?index$/, '.log'));
    if (!fs.existsSync(logFile)) throw new UsageError(`${file}: --verify-index-only needs ${logFile}`);
    const scan = scanLog(logFile);
    const problems =
      kind === 'index' ? checkOffsetEntries(offsets, scan.batches) : checkTimeEntries(times, scan.batches);
    for (const message of problems) out.emit(`${file}: ${message}`, { type: 'error', file, message });
    if (!options.json) {
      const kafkaLines = kafkaIndexMismatches(path.resolve(file), offsets, times, scan.batches);
      if (kafkaLines.length > 0) process.stderr.write(kafkaLines.join('\n') + '\n');
    }
    out.text(
      `${file}: ${problems.length === 0 ? 'all entries match the log' : `${problems.length} mismatched entries`}`,
    );
    return problems.length === 0 ? 0 : 1;
  }
  if (offsets.length === 0 && times.length === 0) out.text(`${file} is empty.`);
  for (const e of offsets) out.emit(`offset: ${e.offset} position: ${e.position}`, { type: 'index', ...e });
  for (const e of times)
    out.emit(`timestamp: ${e.timestamp} offset: ${e.offset}`, { type: 'timeindex', ...e });
  return 0;
}

function dumpFile(file: string, options: DumpOptions, out: Out): number {
  if (!fs.existsSync(file)) throw new UsageError(`${file}: no such file`);
  const name = path.basename(file);
  // Kafka's tool opens every file's output with this line, whatever the file.
  out.text(`Dumping ${file}`);
  if (name.endsWith('.log')) return dumpLog(file, options, out);
  if (name.endsWith('.index')) return dumpIndex(file, 'index', options, out);
  if (name.endsWith('.timeindex')) return dumpIndex(file, 'timeindex', options, out);
  if (name.endsWith('.snapshot')) {
    for (const e of readProducerSnapshot(file)) out.emit(producerLine(e), { type: 'producer', ...e });
    return 0;
  }
  if (name === RECOVERY_POINT_CHECKPOINT || name === LOG_START_OFFSET_CHECKPOINT) {
    for (const [partition, offset] of readCheckpoint(file)) {
      out.emit(`${partition} ${offset}`, { type: 'checkpoint', partition, offset });
    }
    return 0;
  }
  throw new UsageError(
    `${file}: unknown file type (expected .log, .index, .timeindex, .snapshot or a checkpoint)`,
  );
}

const STRING_DECODER = 'kafka.serializer.StringDecoder';

/** Kafka's flags that Kiln has no use for: checked where they carry a value, and warned about. */
function warnAboutKafkaFlags(values: {
  'max-message-size'?: string | undefined;
  'key-decoder-class'?: string | undefined;
  'value-decoder-class'?: string | undefined;
  'offsets-decoder': boolean;
  'transaction-log-decoder': boolean;
}): void {
  const warn = (text: string): void => {
    process.stderr.write(`kiln dump-log: warning: ${text}\n`);
  };
  const size = values['max-message-size'];
  if (size !== undefined && !(Number.isSafeInteger(Number(size)) && Number(size) > 0))
    throw new UsageError('--max-message-size must be a positive integer');
  for (const flag of ['key-decoder-class', 'value-decoder-class'] as const) {
    const value = values[flag];
    // The string decoder is Kafka's default and Kiln's too: nothing to warn about.
    if (value !== undefined && value !== STRING_DECODER)
      warn(`--${flag} ${value} is ignored (Kiln decodes with --value-decoder string|hex|json)`);
  }
  for (const flag of ['offsets-decoder', 'transaction-log-decoder'] as const) {
    if (values[flag]) warn(`--${flag} is ignored: records are printed as stored`);
  }
}

export const command: Command = {
  name: 'dump-log',
  summary: 'print the batches, records, index entries or checkpoints in log files',
  usage: USAGE,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        files: { type: 'string', multiple: true },
        'deep-iteration': { type: 'boolean', default: false },
        'print-data-log': { type: 'boolean', default: false },
        'skip-record-metadata': { type: 'boolean', default: false },
        'value-decoder': { type: 'string', default: 'string' },
        'max-bytes': { type: 'string' },
        'verify-index-only': { type: 'boolean', default: false },
        'index-sanity-check': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        // Kafka's flags, accepted so its scripts run unchanged.
        'max-message-size': { type: 'string' },
        'key-decoder-class': { type: 'string' },
        'value-decoder-class': { type: 'string' },
        'offsets-decoder': { type: 'boolean', default: false },
        'transaction-log-decoder': { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
    const files = (values.files ?? []).flatMap((f) => f.split(',')).filter((f) => f !== '');
    if (files.length === 0) throw new UsageError('--files is required');
    warnAboutKafkaFlags(values);
    const decoder = values['value-decoder'];
    if (decoder !== 'string' && decoder !== 'hex' && decoder !== 'json') {
      throw new UsageError(`--value-decoder must be string, hex or json, not '${decoder}'`);
    }
    let maxBytes = Number.MAX_SAFE_INTEGER;
    if (values['max-bytes'] !== undefined) {
      maxBytes = Number(values['max-bytes']);
      if (!Number.isSafeInteger(maxBytes) || maxBytes < 0)
        throw new UsageError('--max-bytes must be a non-negative integer');
    }
    const options: DumpOptions = {
      data: values['print-data-log'],
      skipMetadata: values['skip-record-metadata'],
      deep: values['deep-iteration'] || values['print-data-log'],
      decoder,
      maxBytes,
      verifyIndexOnly: values['verify-index-only'],
      sanityOnly: values['index-sanity-check'],
      json: values.json,
    };
    const out = new Out(options.json);
    let exit = 0;
    try {
      for (const file of files) exit = Math.max(exit, dumpFile(file, options, out));
    } finally {
      out.flush();
    }
    return exit;
  },
};
