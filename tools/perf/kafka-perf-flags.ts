/**
 * The flags of Kafka's own load generators, read as `kiln perf` options, so a command written for
 * kafka-producer-perf-test or kafka-consumer-perf-test runs unchanged:
 *
 *   --producer-props k=v k=v ...   (several values after one flag, as Kafka takes them)
 *   --producer.config FILE         the same properties from a file
 *   --broker-list / --bootstrap-server, --messages (the consumer's --num-records),
 *   --fetch-size (--max-partition-fetch-bytes), --timeout (--timeout-ms), --from-latest
 *
 * Producer properties map onto kiln's options; one kiln has no use for (serializers, buffer
 * memory, retries...) is ignored with a warning. The order of strength: kiln's own flags, then
 * --producer-props, then --producer.config, then the defaults.
 */
import fs from 'node:fs';
import { UsageError } from '../kiln.js';

/** Producer property → the kiln perf produce option it sets. */
const PRODUCER_PROPERTIES: Record<string, string> = {
  'bootstrap.servers': 'bootstrap-server',
  acks: 'acks',
  'batch.size': 'batch-size',
  'linger.ms': 'linger-ms',
  'compression.type': 'compression',
  'max.in.flight.requests.per.connection': 'max-in-flight',
};

/** Flags of Kafka's consumer perf tool → kiln perf consume's. */
const CONSUMER_ALIASES: Record<string, string> = {
  '--messages': '--num-records',
  '--fetch-size': '--max-partition-fetch-bytes',
  '--timeout': '--timeout-ms',
  '--broker-list': '--bootstrap-server',
};

/**
 * Kafka's `--producer-props a=1 b=2` as `--producer-props=a=1 --producer-props=b=2`, so an
 * ordinary parser sees one value per flag.
 */
export function spreadProducerProps(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] !== '--producer-props') {
      out.push(argv[i]!);
      continue;
    }
    let taken = 0;
    while (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) {
      out.push(`--producer-props=${argv[++i]}`);
      taken++;
    }
    if (taken === 0)
      throw new UsageError('--producer-props needs key=value pairs, e.g. acks=all linger.ms=5');
  }
  return out;
}

/** The kiln options that producer properties set, and warnings for those kiln ignores. */
export function producerPropertyOptions(
  props: readonly string[],
  configFile: string | undefined,
): { options: Record<string, string>; warnings: string[] } {
  const options: Record<string, string> = {};
  const warnings: string[] = [];
  const apply = (key: string, value: string, from: string): void => {
    const option = PRODUCER_PROPERTIES[key];
    if (option) options[option] = value;
    else warnings.push(`${from}: ${key} has no meaning for kiln perf and is ignored`);
  };
  if (configFile !== undefined) for (const [k, v] of readProperties(configFile)) apply(k, v, configFile);
  for (const pair of props) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--producer-props: expected key=value, got '${pair}'`);
    apply(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim(), '--producer-props');
  }
  return { options, warnings };
}

/** Kafka's consumer perf flags renamed to kiln's; `--from-latest` becomes `--from end`. */
export function consumerAliases(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (const arg of argv) {
    const [flag, value] = arg.includes('=')
      ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
      : [arg];
    const renamed = CONSUMER_ALIASES[flag!];
    if (arg === '--from-latest') out.push('--from', 'end');
    else if (renamed) out.push(value === undefined ? renamed : `${renamed}=${value}`);
    else out.push(arg);
  }
  return out;
}

function readProperties(file: string): Map<string, string> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(
      `--producer.config ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  const result = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    const match = /^([^=:\s]+)\s*[=:]\s*(.*)$/.exec(line);
    if (!match) throw new UsageError(`--producer.config ${file}: cannot read '${line}'`);
    result.set(match[1]!, match[2]!);
  }
  return result;
}
