/** Shared pieces of the admin and console commands: connecting, broker errors, table output. */
import { UsageError } from '../kiln.js';
import { KafkaClient, KafkaError } from './kafka-client.js';

/**
 * Connects to --bootstrap-server and runs `body`; a broker error code becomes a readable message
 * naming the Kafka error and exit code 1, as the brief for every admin command asks.
 */
export async function withClient(
  name: string,
  bootstrap: string | undefined,
  body: (client: KafkaClient) => Promise<number>,
): Promise<number> {
  if (!bootstrap) throw new UsageError('--bootstrap-server host:port is required');
  const client = await KafkaClient.connect(bootstrap);
  try {
    return await body(client);
  } catch (err) {
    if (!(err instanceof KafkaError)) throw err;
    process.stderr.write(`kiln ${name}: ${err.message}\n`);
    return 1;
  } finally {
    client.close();
  }
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

/** Prints rows as aligned columns under a header (Kafka's tools print the same way). */
export function printTable(header: string[], rows: (string | number)[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i] ?? '').length)));
  const line = (cells: (string | number)[]) =>
    cells
      .map((c, i) => String(c).padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  process.stdout.write([line(header), ...rows.map(line)].join('\n') + '\n');
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}
