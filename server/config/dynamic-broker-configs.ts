/**
 * Dynamic broker configs: broker properties changed while the broker runs (AlterConfigs and
 * IncrementalAlterConfigs on a broker resource), at two levels as in Kafka: this broker (resource
 * name = its id) and the cluster-wide default (empty name). This broker's value wins over the
 * cluster default, which wins over server.properties, which wins over the built-in default. Only
 * properties the registry marks dynamic may be set; the rest are refused.
 *
 * Kafka keeps these in ZooKeeper; a single Kiln node keeps them in its first data directory, in
 * `dynamic-broker-configs.json`, written atomically (temp file, fsync, rename):
 *
 *   {"version":1,"brokerId":0,"broker":{"log.retention.ms":"3600000"},"default":{"log.cleanup.policy":"compact"}}
 *
 * `broker` holds the per-broker values of broker `brokerId` (ignored, with a warning, if this
 * broker now has another id), `default` the cluster-wide ones; values are the text given. A
 * damaged file never stops a start: it is reported and ignored, as is any entry no longer valid.
 * Nothing is written at start; the first change after a damaged file moves it aside, to
 * `dynamic-broker-configs.json.damaged-<ms>` (named in the warning), so what it held stays readable.
 *
 * In cluster mode they live in ZooKeeper instead, as Kafka keeps them (/config/brokers/<id> and
 * /config/brokers/<default>, server/cluster/zookeeper/zk-configs.ts): a `detached` set has no
 * file, and holds what the broker last read there (server/cluster/config-sync.ts loads it).
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  InvalidConfigError,
  parsePropertyValue,
  writeFileAtomically,
  type LogConfig,
} from '../../engine/index.js';
import { logDefaultsOf } from './broker-config.js';
import { BROKER_PROPERTY } from './broker-properties.js';
import { ConfigError } from './config-error.js';

export const DYNAMIC_CONFIG_FILE = 'dynamic-broker-configs.json';
const FORMAT_VERSION = 1;

/** Which resource: this broker (its id as the name) or the cluster-wide default (""). */
export type DynamicLevel = 'broker' | 'default';

/** Why a set of dynamic configs is refused: `request` is INVALID_REQUEST, `config` INVALID_CONFIG. */
export class DynamicConfigError extends Error {
  constructor(
    readonly kind: 'request' | 'config',
    message: string,
  ) {
    super(message);
    this.name = 'DynamicConfigError';
  }
}

type Props = Record<string, string>;

export class DynamicBrokerConfigs {
  private readonly levels: Record<DynamicLevel, Props>;

  private constructor(
    /** Where they are saved; undefined for a detached set (cluster mode). */
    private readonly file: string | undefined,
    private readonly brokerId: number,
    broker: Props,
    clusterDefault: Props,
    /** Where a damaged file goes at the next change (not before: a start writes nothing). */
    private damagedCopy: string | undefined,
  ) {
    this.levels = { broker, default: clusterDefault };
  }

  /** Loads the file in `dir` (none yet is an empty set); `warn` hears what was ignored and why. */
  static open(dir: string, brokerId: number, warn: (message: string) => void): DynamicBrokerConfigs {
    const file = path.join(dir, DYNAMIC_CONFIG_FILE);
    const damagedCopy = `${file}.damaged-${Date.now()}`;
    const loaded = load(file, damagedCopy, warn);
    let broker = loaded.broker;
    if (loaded.brokerId !== undefined && loaded.brokerId !== brokerId && Object.keys(broker).length > 0) {
      warn(`${file}: per-broker configs of broker ${loaded.brokerId} ignored, this is broker ${brokerId}`);
      broker = {};
    }
    return new DynamicBrokerConfigs(
      file,
      brokerId,
      validEntries(broker, 'broker', file, warn),
      validEntries(loaded.default, 'default', file, warn),
      loaded.damaged ? damagedCopy : undefined,
    );
  }

  /**
   * A set saved nowhere (cluster mode: ZooKeeper holds them), starting with `levels`; entries that
   * are not valid are left out and reported to `warn`, each named with `source`.
   */
  static detached(
    brokerId: number,
    levels: Partial<Record<DynamicLevel, Props>> = {},
    warn: (message: string) => void = () => {},
    source = 'ZooKeeper',
  ): DynamicBrokerConfigs {
    return new DynamicBrokerConfigs(
      undefined,
      brokerId,
      validEntries(levels.broker ?? {}, 'broker', source, warn),
      validEntries(levels.default ?? {}, 'default', source, warn),
      undefined,
    );
  }

  /**
   * Detached sets only: takes the values stored elsewhere as the whole set at `level`, leaving out
   * (and reporting) entries that are not valid. Returns whether anything changed.
   */
  load(level: DynamicLevel, props: Props, warn: (message: string) => void, source = 'ZooKeeper'): boolean {
    if (this.file !== undefined) throw new Error('load() is for detached dynamic configs');
    const kept = validEntries(props, level, source, warn);
    const before = this.levels[level];
    const same =
      Object.keys(before).length === Object.keys(kept).length &&
      Object.entries(kept).every(([name, value]) => before[name] === value);
    this.levels[level] = kept;
    return !same;
  }

  /** The values set at `level`. */
  get(level: DynamicLevel): Readonly<Props> {
    return this.levels[level];
  }

  /**
   * Checks a whole set for one level; throws DynamicConfigError. Properties that cannot change at
   * run time refuse the whole set (as Kafka does), naming every one of them.
   */
  static validate(props: Props, level: DynamicLevel): void {
    const unknown = Object.keys(props).filter((name) => !BROKER_PROPERTY.has(name));
    if (unknown.length > 0)
      throw new DynamicConfigError('config', `Unknown broker configs: ${unknown.join(', ')}`);
    const fixed = Object.keys(props).filter((name) => BROKER_PROPERTY.get(name)!.dynamic === 'read-only');
    if (fixed.length > 0) {
      throw new DynamicConfigError(
        'request',
        `Cannot update these configs dynamically: ${fixed.join(', ')} (set them in server.properties and restart the broker)`,
      );
    }
    const perBroker = Object.keys(props).filter(
      (name) => BROKER_PROPERTY.get(name)!.dynamic === 'per-broker',
    );
    if (level === 'default' && perBroker.length > 0) {
      throw new DynamicConfigError(
        'request',
        `Cannot update these configs at default cluster level, broker id must be specified: ${perBroker.join(', ')}`,
      );
    }
    try {
      logDefaultsOf(props);
      for (const [name, value] of Object.entries(props)) {
        const property = BROKER_PROPERTY.get(name)!;
        if (!property.topic) parsePropertyValue(name, property, value);
      }
    } catch (err) {
      if (err instanceof ConfigError) throw new DynamicConfigError('config', err.message);
      if (err instanceof InvalidConfigError)
        throw new DynamicConfigError('config', `${err.key}: ${reason(err)}`);
      throw err;
    }
  }

  /** A whole-number broker property in effect: this broker's value, the cluster default, else `base`. */
  intValue(name: string, base: number): number {
    const text = this.levels.broker[name] ?? this.levels.default[name];
    return text === undefined ? base : Number(text.trim());
  }

  /** Values as they are kept: trimmed, as server.properties values are (' 5000 ' was shown as is). */
  static trimmed(given: Props): Props {
    return Object.fromEntries(Object.entries(given).map(([name, value]) => [name, value.trim()]));
  }

  /** Makes `props` the whole set at `level` (validated first), saved before it takes effect. */
  replace(level: DynamicLevel, given: Props): void {
    const props = DynamicBrokerConfigs.trimmed(given);
    DynamicBrokerConfigs.validate(props, level);
    if (this.file === undefined) {
      this.levels[level] = { ...props };
      return;
    }
    const next = { ...this.levels, [level]: { ...props } };
    const body = {
      version: FORMAT_VERSION,
      brokerId: this.brokerId,
      broker: next.broker,
      default: next.default,
    };
    if (this.damagedCopy) {
      fs.renameSync(this.file, this.damagedCopy);
      this.damagedCopy = undefined;
    }
    writeFileAtomically(this.file, JSON.stringify(body) + '\n');
    this.levels[level] = { ...props };
  }

  /** Topic defaults: `base` (server.properties) with the cluster default, then this broker's, on top. */
  logDefaults(base: Readonly<LogConfig>): LogConfig {
    return logDefaultsOf(this.levels.broker, logDefaultsOf(this.levels.default, base));
  }
}

/** The entries of `props` valid at `level`; each other one is reported to `warn`, named with `source`. */
function validEntries(
  props: Props,
  level: DynamicLevel,
  source: string,
  warn: (message: string) => void,
): Props {
  const kept: Props = {};
  for (const [name, value] of Object.entries(props)) {
    try {
      DynamicBrokerConfigs.validate({ [name]: value }, level);
      kept[name] = value;
    } catch (err) {
      warn(`${source}: ${level} config ${name}=${value} ignored: ${(err as Error).message}`);
    }
  }
  return kept;
}

interface Loaded {
  brokerId?: number;
  broker: Props;
  default: Props;
  damaged?: boolean;
}

function load(file: string, damagedCopy: string, warn: (message: string) => void): Loaded {
  const empty: Loaded = { broker: {}, default: {} };
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      warn(`${file}: cannot be read (${(err as Error).message}); dynamic broker configs ignored`);
    return empty;
  }
  try {
    const body = JSON.parse(text) as Partial<Loaded> & { version?: unknown };
    if (body.version !== FORMAT_VERSION) throw new Error(`unknown version ${String(body.version)}`);
    return {
      brokerId: typeof body.brokerId === 'number' ? body.brokerId : undefined,
      broker: stringMap(body.broker),
      default: stringMap(body.default),
    };
  } catch (err) {
    warn(
      `${file}: damaged (${(err as Error).message}); dynamic broker configs ignored` +
        ` (the next change moves the file to ${path.basename(damagedCopy)})`,
    );
    return { ...empty, damaged: true };
  }
}

function stringMap(value: unknown): Props {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
  const out: Props = {};
  for (const [key, v] of Object.entries(value)) if (typeof v === 'string') out[key] = v;
  return out;
}

const reason = (err: InvalidConfigError): string => err.message.replace(/^invalid value for [^:]+: /, '');
