/**
 * How `kiln consume` prints a record: Kafka's console-consumer formatter (the `--property`
 * print.* switches, fields joined by key.separator, in Kafka's order: timestamp, partition,
 * offset, headers, key, value) or one JSON object per record (`--formatter json`).
 */
import { TimestampType, type Record } from '../../engine/index.js';

export type RecordPrinter = (partition: number, record: Record, timestampType: TimestampType) => string;

/** The --property names kiln consume takes, with their kinds. */
export const PRINT_PROPERTIES = {
  'print.key': 'boolean',
  'print.value': 'boolean',
  'print.timestamp': 'boolean',
  'print.partition': 'boolean',
  'print.offset': 'boolean',
  'print.headers': 'boolean',
  'key.separator': 'string',
  'line.separator': 'string',
  'headers.separator': 'string',
  'null.literal': 'string',
} as const;

export function makePrinter(props: ReadonlyMap<string, string>, json: boolean): RecordPrinter {
  if (json) {
    return (partition, r) =>
      JSON.stringify({
        partition,
        offset: r.offset,
        timestamp: r.timestamp,
        key: r.key?.toString('utf8') ?? null,
        value: r.value?.toString('utf8') ?? null,
        headers: Object.fromEntries(r.headers.map((h) => [h.key, h.value?.toString('utf8') ?? null])),
      }) + '\n';
  }
  const flag = (name: string, fallback = false) => (props.has(name) ? props.get(name) === 'true' : fallback);
  const sep = props.get('key.separator') ?? '\t';
  const eol = props.get('line.separator') ?? '\n';
  const headerSep = props.get('headers.separator') ?? ',';
  const nullLiteral = props.get('null.literal') ?? 'null';
  const text = (b: Buffer | null) => (b === null ? nullLiteral : b.toString('utf8'));
  const [key, value, part, offset, timestamp, headers] = [
    flag('print.key'),
    flag('print.value', true),
    flag('print.partition'),
    flag('print.offset'),
    flag('print.timestamp'),
    flag('print.headers'),
  ];
  return (partition, r, timestampType) => {
    const fields: string[] = [];
    if (timestamp) {
      const type = timestampType === TimestampType.LogAppendTime ? 'LogAppendTime' : 'CreateTime';
      fields.push(r.timestamp >= 0 ? `${type}:${r.timestamp}` : 'NO_TIMESTAMP');
    }
    if (part) fields.push(`Partition:${partition}`);
    if (offset) fields.push(`Offset:${r.offset}`);
    if (headers) {
      fields.push(
        r.headers.length ? r.headers.map((h) => `${h.key}:${text(h.value)}`).join(headerSep) : 'NO_HEADERS',
      );
    }
    if (key) fields.push(text(r.key));
    if (value) fields.push(text(r.value));
    return fields.join(sep) + eol;
  };
}
