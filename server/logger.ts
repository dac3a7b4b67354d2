/**
 * The broker's logger (pino). Two formats: JSON lines, for log collectors and whenever stdout is
 * a pipe or a file; and one readable line per entry (pino-pretty's formatter) when stdout is a
 * terminal, where a person reads it. `--log-format` on kiln-server picks one whatever stdout is.
 *
 * The text format formats each line in the same call that writes it: no worker thread and no
 * stream pipeline, so a line logged just before the process exits is not lost, and a terminal,
 * the only place it is used by default, is slow enough that parsing the line again costs nothing.
 *
 * The level is log.level (log-properties.ts); KILN_LOG_LEVEL in the environment wins over it.
 */
import { destination, pino, type DestinationStream, type Logger } from 'pino';
import { prettyFactory } from 'pino-pretty';
import { ConfigError } from './config/config-error.js';

export type { Logger };

/** pino's levels, most to least verbose; silent logs nothing. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

export const LOG_FORMATS = ['text', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface LoggerOptions {
  name?: string;
  /** pino's level name; KILN_LOG_LEVEL wins over it, info when neither is given. */
  level?: string;
  /** Default: text on a terminal, JSON otherwise (logFormatFor). */
  format?: LogFormat;
  /** Where the lines go (default stdout); tests give their own. */
  destination?: DestinationStream;
  /** Colours in the text format (default: when the destination is stdout on a colour terminal). */
  colorize?: boolean;
}

/** The format used when none is asked for: readable text for a person at a terminal, JSON otherwise. */
export function logFormatFor(stream: { isTTY?: boolean }): LogFormat {
  return stream.isTTY === true ? 'text' : 'json';
}

/** The level in force: KILN_LOG_LEVEL over the configured one, info when neither is set. */
export function effectiveLogLevel(configured?: string, env = process.env): string {
  const fromEnv = env.KILN_LOG_LEVEL;
  if (fromEnv && !(LOG_LEVELS as readonly string[]).includes(fromEnv))
    throw new ConfigError('KILN_LOG_LEVEL', `expected one of ${LOG_LEVELS.join(', ')}, got '${fromEnv}'`);
  return fromEnv || configured || 'info';
}

export function createLogger(options: LoggerOptions | string = {}): Logger {
  const opts = typeof options === 'string' ? { name: options } : options;
  const name = opts.name ?? 'kiln';
  const level = effectiveLogLevel(opts.level);
  const format = opts.format ?? logFormatFor(process.stdout);
  if (format === 'json') {
    return opts.destination ? pino({ name, level }, opts.destination) : pino({ name, level });
  }
  const out = opts.destination ?? destination({ dest: 1, sync: true });
  const colorize = opts.colorize ?? (opts.destination === undefined && process.stdout.hasColors?.() === true);
  const prettify = prettyFactory({
    colorize,
    singleLine: true,
    translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l',
    ignore: 'pid,hostname,name',
  });
  return pino({ name, level }, { write: (line: string) => out.write(prettify(line)) });
}
