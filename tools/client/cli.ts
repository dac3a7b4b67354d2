/**
 * Shared pieces of the admin and console commands: the broker flags (Kiln's and Kafka's names),
 * connecting, broker errors, `--property` lists, table output.
 *
 * Every network command gets the same behaviour from withClient: a malformed address is a usage
 * error (exit 2), a broker that cannot be reached (or is lost mid-command) one line on stderr and
 * exit 1, a Kafka error code a line naming the error and exit 1.
 */
import { UsageError } from '../kiln.js';
import {
  BadAddressError,
  BrokerConnectionError,
  KafkaClient,
  KafkaError,
  parseBootstrap,
} from './kafka-client.js';

export { kilnVersion } from '../../server/config/kiln-version.js';

/**
 * parseArgs options for the broker address: Kiln's --bootstrap-server and Kafka's older
 * --broker-list (kafka-console-producer, kafka-verifiable-*), which mean the same. Spread into a
 * command's options and read with `bootstrapFrom(values)`.
 */
export const BROKER_OPTIONS = {
  'bootstrap-server': { type: 'string' },
  'broker-list': { type: 'string' },
} as const;

/** The broker list given by --bootstrap-server or --broker-list (both only when they agree). */
export function bootstrapFrom(values: {
  'bootstrap-server'?: string | undefined;
  'broker-list'?: string | undefined;
}): string | undefined {
  const a = values['bootstrap-server'];
  const b = values['broker-list'];
  if (a !== undefined && b !== undefined && a !== b)
    throw new UsageError('--bootstrap-server and --broker-list name different brokers; give one');
  return a ?? b;
}

/**
 * Checks the address list (a usage error when malformed), connects and runs `body`. A broker
 * error code becomes a line naming the Kafka error, an unreachable or lost broker a line naming
 * the address and the reason ("cannot reach broker 127.0.0.1:1 (ECONNREFUSED)"); both exit 1.
 */
export async function withClient(
  name: string,
  bootstrap: string | undefined,
  body: (client: KafkaClient) => Promise<number>,
): Promise<number> {
  if (bootstrap === undefined) throw new UsageError('--bootstrap-server host:port is required');
  checkBootstrap(bootstrap);
  let client: KafkaClient | undefined;
  try {
    client = await KafkaClient.connect(bootstrap);
    return await body(client);
  } catch (err) {
    if (!(err instanceof KafkaError) && !(err instanceof BrokerConnectionError)) throw err;
    process.stderr.write(`kiln ${name}: ${err.message}\n`);
    return 1;
  } finally {
    client?.close();
  }
}

/** Throws a UsageError (exit 2) unless `bootstrap` is a list of well-formed host:port addresses. */
export function checkBootstrap(bootstrap: string): void {
  try {
    parseBootstrap(bootstrap);
  } catch (err) {
    if (err instanceof BadAddressError) throw new UsageError(err.message);
    throw err;
  }
}

/**
 * Kafka's `--property k=v` (repeatable) for the console tools: each name must be one of `known`;
 * values of boolean properties must be true or false.
 */
export function parseProperties(
  values: string[] | undefined,
  known: Readonly<Record<string, 'boolean' | 'string'>>,
): Map<string, string> {
  const props = parseKeyValues(values);
  for (const [key, value] of props) {
    const type = known[key];
    if (!type) throw new UsageError(`unknown --property '${key}' (known: ${Object.keys(known).join(', ')})`);
    if (type === 'boolean' && value !== 'true' && value !== 'false')
      throw new UsageError(`--property ${key} must be true or false, got '${value}'`);
  }
  return props;
}

/**
 * For a flag whose value Kafka lets you leave out (`--compression-codec` alone means gzip):
 * inserts `implied` after a bare `flag`, so parseArgs sees a value.
 */
export function impliedValue(argv: readonly string[], flag: string, implied: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    out.push(argv[i]!);
    const next = argv[i + 1];
    if (argv[i] === flag && (next === undefined || next.startsWith('--'))) out.push(implied);
  }
  return out;
}

/** Parses repeatable `key=value` options (and comma-separated lists of them). */
export function parseKeyValues(values: string[] | undefined, splitCommas = false): Map<string, string> {
  const result = new Map<string, string>();
  for (const item of values ?? []) {
    for (const pair of splitCommas ? item.split(',') : [item]) {
      const eq = pair.indexOf('=');
      if (eq <= 0) throw new UsageError(`expected key=value, got '${pair}'`);
      result.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
  }
  return result;
}

export function parseInteger(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value)) throw new UsageError(`${flag} must be an integer, got '${value}'`);
  return Number(value);
}

/**
 * Rows as aligned columns under a header (Kafka's tools print the same way), one string per line;
 * the columns in `rightAligned` (numbers) are padded on the left.
 */
export function tableLines(
  header: string[],
  rows: (string | number)[][],
  rightAligned: ReadonlySet<number> = new Set(),
): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i] ?? '').length)));
  const line = (cells: (string | number)[]) =>
    cells
      .map((c, i) =>
        rightAligned.has(i) ? String(c).padStart(widths[i] ?? 0) : String(c).padEnd(widths[i] ?? 0),
      )
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

/** Prints rows as aligned columns under a header. */
export function printTable(header: string[], rows: (string | number)[][]): void {
  process.stdout.write(tableLines(header, rows).join('\n') + '\n');
}

/** "1.5 MiB", "512 B". */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}
