/**
 * `npm start` lands here: read the configuration (`--config server.properties`, repeatable
 * `--override key=value`), start the broker, and stop it cleanly on SIGTERM, SIGINT or SIGHUP.
 * A bad property is reported, naming it, before anything starts; the exit code is then 2. An unknown
 * property is only a warning (logged at start). A data directory that cannot be used, or a port
 * that cannot be bound, is one line saying why (exit 1, no stack), and a data directory this start
 * created is removed again.
 *
 * The log is readable text on a terminal and JSON lines otherwise; `--log-format text|json`
 * chooses (server/logger.ts). Its level is log.level, or KILN_LOG_LEVEL.
 */
import { parseArgs } from 'node:util';
import { onWorkerPoolError } from '../engine/index.js';
import { Broker } from './broker.js';
import { ConfigError, buildBrokerConfig, parseOverride, readPropertiesFile } from './config.js';
import { kilnVersion } from './config/kiln-version.js';
import { logLevelOf } from './config/log-properties.js';
import { reportEventLoopOnSignal } from './event-loop-stats.js';
import { LOG_FORMATS, createLogger, type LogFormat } from './logger.js';

/**
 * Signals that stop the broker cleanly, as the JVM's shutdown hooks run on them for Kafka. SIGHUP
 * comes with a closed terminal or a dropped ssh session; its default would end the process with
 * no clean stop (and Node resets an inherited SIG_IGN, so even nohup does not keep it away).
 */
const STOP_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

const USAGE = `usage: kiln-server [--config server.properties] [--override key=value]...
                   [--log-format text|json] [--version]

Starts a Kiln broker. Properties use Kafka's names (listeners, log.dirs, num.partitions,
auto.create.topics.enable, log.retention.hours, log.segment.bytes, message.max.bytes, ...);
server/server.properties lists every one with its default. Without --config it runs on
127.0.0.1:9092 with its data in ./data. The log is one readable line per entry on a terminal
and JSON lines otherwise; --log-format chooses. Its level is log.level (or KILN_LOG_LEVEL).`;

export async function main(argv: string[]): Promise<number> {
  let properties: Record<string, string> = {};
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        config: { type: 'string' },
        override: { type: 'string', multiple: true },
        'log-format': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
      },
      strict: true,
    });
    if (values.help) {
      process.stdout.write(USAGE + '\n');
      return 0;
    }
    if (values.version) {
      process.stdout.write(`kiln ${kilnVersion()}\n`);
      return 0;
    }
    if (values.config) properties = readPropertiesFile(values.config);
    for (const override of values.override ?? []) {
      const [key, value] = parseOverride(override);
      properties[key] = value;
    }
    const format = logFormatOf(values['log-format']);
    const config = buildBrokerConfig(properties);
    const broker = new Broker(
      config,
      createLogger({ level: logLevelOf(config.properties), ...(format ? { format } : {}) }),
    );
    onWorkerPoolError((pool, err) => broker.log.error({ err, pool }, 'a worker failed outside any task'));
    // The handlers are installed before the start, so that a signal at any moment after the
    // process exists (even one sent the instant the start line is read) stops the broker cleanly
    // once it has started, instead of killing it with its lock held. They stay installed until the
    // stop is over: a terminal's Ctrl-C reaches both npm and node (the whole process group), so a
    // second signal follows the first at once, and without a handler it would kill the process
    // mid-stop (no clean-shutdown marker, stale lock).
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) {
        broker.log.info({ signal }, 'already stopping');
        return;
      }
      stopping = true;
      requested();
    };
    let requested: () => void = () => {};
    const stopRequested = new Promise<void>((resolve) => (requested = resolve));
    for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
    try {
      await broker.start();
    } catch (err) {
      for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
      throw err;
    }
    const stopStats = reportEventLoopOnSignal();
    await stopRequested;
    stopStats();
    try {
      await broker.stop();
    } finally {
      for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
    }
    return 0;
  } catch (err) {
    if (err instanceof ConfigError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`kiln: invalid configuration: ${(err as Error).message}\n\n${USAGE}\n`);
      return 2;
    }
    process.stderr.write(`kiln: ${(err as Error).message}\n`);
    return 1;
  }
}

/** --log-format's value checked; undefined when not given (the terminal decides). */
function logFormatOf(value: string | undefined): LogFormat | undefined {
  if (value === undefined) return undefined;
  if ((LOG_FORMATS as readonly string[]).includes(value)) return value as LogFormat;
  throw new ConfigError('--log-format', `expected ${LOG_FORMATS.join(' or ')}, got '${value}'`);
}

process.exitCode = await main(process.argv.slice(2));
