/**
 * The options of `kiln perf produce` and `kiln perf consume`, parsed and checked: a bad value is a
 * UsageError naming the option (exit code 2). The parsed options are echoed as the `config` of
 * the JSON summary, so their field names are part of that output.
 */
import { parseArgs } from 'node:util';
import { Codec } from '../../engine/index.js';
import { UsageError } from '../kiln.js';
import { consumerAliases, producerPropertyOptions, spreadProducerProps } from './kafka-perf-flags.js';

export const CODECS: Record<string, Codec> = {
  none: Codec.None,
  gzip: Codec.Gzip,
  snappy: Codec.Snappy,
  lz4: Codec.Lz4,
  zstd: Codec.Zstd,
};

/** A partition list, or every partition of the topic. */
export type PartitionSelection = number[] | 'all';

export interface ProduceOptions {
  bootstrapServer: string;
  topic: string;
  numRecords: number;
  recordSize: number;
  /** Records per second; -1 = unlimited. */
  throughput: number;
  acks: number;
  batchSize: number;
  lingerMs: number;
  compression: string;
  partitions: PartitionSelection;
  maxInFlight: number;
  createTopicPartitions: number | null;
  reportingIntervalMs: number;
  json: boolean;
}

export interface ConsumeOptions {
  bootstrapServer: string;
  topic: string;
  numRecords: number | null;
  timeoutMs: number;
  partitions: PartitionSelection;
  from: 'beginning' | 'end';
  group: string | null;
  fetchMaxBytes: number;
  maxPartitionFetchBytes: number;
  fetchMaxWaitMs: number;
  fetchMinBytes: number;
  reportingIntervalMs: number;
  json: boolean;
}

const INT32_MAX = 0x7fffffff;

const PRODUCE_DEFAULTS: Record<string, string> = {
  'record-size': '100',
  throughput: '-1',
  acks: '1',
  'batch-size': '16384',
  'linger-ms': '0',
  compression: 'none',
  partitions: 'all',
  'max-in-flight': '5',
  'reporting-interval': '1000',
};

export function parseProduceOptions(argv: string[]): ProduceOptions {
  const { values } = parseArgs({
    args: negativeValuesJoined(spreadProducerProps(argv)),
    options: {
      'bootstrap-server': { type: 'string' },
      'broker-list': { type: 'string' },
      topic: { type: 'string' },
      'num-records': { type: 'string' },
      'record-size': { type: 'string' },
      throughput: { type: 'string' },
      acks: { type: 'string' },
      'batch-size': { type: 'string' },
      'linger-ms': { type: 'string' },
      compression: { type: 'string' },
      partitions: { type: 'string' },
      'max-in-flight': { type: 'string' },
      'create-topic-partitions': { type: 'string' },
      'reporting-interval': { type: 'string' },
      'producer-props': { type: 'string', multiple: true },
      'producer.config': { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  // Kiln's own flags, then Kafka's producer properties, then the defaults.
  const props = producerPropertyOptions(values['producer-props'] ?? [], values['producer.config']);
  for (const warning of props.warnings) process.stderr.write(`kiln perf: ${warning}\n`);
  const flags: Record<string, unknown> = values;
  const value = (name: string): string =>
    ((flags[name] as string | undefined) ?? props.options[name] ?? PRODUCE_DEFAULTS[name])!;
  const compression = value('compression');
  if (CODECS[compression] === undefined) {
    throw new UsageError(`--compression must be none, gzip, snappy, lz4 or zstd, got '${compression}'`);
  }
  const create = values['create-topic-partitions'];
  const bootstrap =
    oneBootstrap(values['bootstrap-server'], values['broker-list']) ?? props.options['bootstrap-server'];
  return {
    bootstrapServer: required(bootstrap, '--bootstrap-server HOST:PORT'),
    topic: required(values.topic, '--topic'),
    numRecords: integer(required(values['num-records'], '--num-records'), '--num-records', 1),
    recordSize: integer(value('record-size'), '--record-size', 0, 100 * 1024 * 1024),
    throughput: throughput(value('throughput')),
    acks: acks(value('acks')),
    batchSize: integer(value('batch-size'), '--batch-size', 0, INT32_MAX),
    lingerMs: integer(value('linger-ms'), '--linger-ms', 0),
    compression,
    partitions: partitions(value('partitions')),
    maxInFlight: integer(value('max-in-flight'), '--max-in-flight', 1, 10_000),
    createTopicPartitions:
      create === undefined ? null : integer(create, '--create-topic-partitions', 1, INT32_MAX),
    reportingIntervalMs: integer(value('reporting-interval'), '--reporting-interval', 0),
    json: values.json,
  };
}

/** --bootstrap-server and Kafka's older --broker-list mean the same; both only when they agree. */
function oneBootstrap(a: string | undefined, b: string | undefined): string | undefined {
  if (a !== undefined && b !== undefined && a !== b)
    throw new UsageError('--bootstrap-server and --broker-list name different brokers; give one');
  return a ?? b;
}

export function parseConsumeOptions(argv: string[]): ConsumeOptions {
  const { values } = parseArgs({
    args: negativeValuesJoined(consumerAliases(argv)),
    options: {
      'bootstrap-server': { type: 'string' },
      topic: { type: 'string' },
      'num-records': { type: 'string' },
      'timeout-ms': { type: 'string' },
      partitions: { type: 'string', default: 'all' },
      from: { type: 'string', default: 'beginning' },
      group: { type: 'string' },
      'fetch-max-bytes': { type: 'string', default: '52428800' },
      'max-partition-fetch-bytes': { type: 'string', default: '1048576' },
      'fetch-max-wait-ms': { type: 'string', default: '500' },
      'fetch-min-bytes': { type: 'string', default: '1' },
      'reporting-interval': { type: 'string', default: '1000' },
      json: { type: 'boolean', default: false },
    },
  });
  const bootstrapServer = required(values['bootstrap-server'], '--bootstrap-server HOST:PORT');
  const topic = required(values.topic, '--topic');
  if (values['num-records'] === undefined && values['timeout-ms'] === undefined) {
    throw new UsageError('give --num-records N or --timeout-ms MS (or both): nothing says when to stop');
  }
  const from = values.from;
  if (from !== 'beginning' && from !== 'end') {
    throw new UsageError(`--from must be beginning or end, got '${from}'`);
  }
  const group = values.group ?? null;
  if (group === '') throw new UsageError('--group may not be empty');
  const selection = partitions(values.partitions);
  if (group !== null && selection !== 'all') {
    throw new UsageError('--partitions cannot be combined with --group: the group assigns partitions');
  }
  return {
    bootstrapServer,
    topic,
    numRecords:
      values['num-records'] === undefined ? null : integer(values['num-records'], '--num-records', 1),
    timeoutMs: integer(values['timeout-ms'] ?? '10000', '--timeout-ms', 1),
    partitions: selection,
    from,
    group,
    fetchMaxBytes: integer(values['fetch-max-bytes'], '--fetch-max-bytes', 1, INT32_MAX),
    maxPartitionFetchBytes: integer(
      values['max-partition-fetch-bytes'],
      '--max-partition-fetch-bytes',
      1,
      INT32_MAX,
    ),
    fetchMaxWaitMs: integer(values['fetch-max-wait-ms'], '--fetch-max-wait-ms', 0, INT32_MAX),
    fetchMinBytes: integer(values['fetch-min-bytes'], '--fetch-min-bytes', 0, INT32_MAX),
    reportingIntervalMs: integer(values['reporting-interval'], '--reporting-interval', 0),
    json: values.json,
  };
}

/**
 * `--throughput -1` and `--acks -1` are how Kafka's tools are called, but parseArgs takes "-1"
 * for an option of its own; joined as `--throughput=-1` it is the option's value.
 */
function negativeValuesJoined(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = argv[i + 1];
    if (arg.startsWith('--') && !arg.includes('=') && next !== undefined && /^-\d/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

function required(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw new UsageError(`${flag} is required`);
  return value;
}

function integer(value: string, flag: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^-?\d+$/.test(value)) throw new UsageError(`${flag} must be an integer, got '${value}'`);
  const n = Number(value);
  if (n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `between ${min} and ${max}`;
    throw new UsageError(`${flag} must be ${range}, got ${value}`);
  }
  return n;
}

function throughput(value: string): number {
  const n = /^-?(\d+\.?\d*|\.\d+)$/.test(value) ? Number(value) : NaN;
  if (n === -1 || (n > 0 && Number.isFinite(n))) return n;
  throw new UsageError(`--throughput must be records per second (> 0) or -1 for unlimited, got '${value}'`);
}

function acks(value: string): number {
  if (value === 'all' || value === '-1') return -1;
  if (value === '0' || value === '1') return Number(value);
  throw new UsageError(`--acks must be 0, 1, -1 or all, got '${value}'`);
}

function partitions(value: string): PartitionSelection {
  if (value === 'all') return 'all';
  const list = value.split(',').map((item) => item.trim());
  if (list.some((item) => !/^\d+$/.test(item))) {
    throw new UsageError(
      `--partitions must be 'all' or a comma-separated list of partitions, got '${value}'`,
    );
  }
  return [...new Set(list.map(Number))].sort((a, b) => a - b);
}
