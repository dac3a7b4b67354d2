// The broker's log format: readable text on a terminal, JSON otherwise, or as asked.
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../server/config/config-error.js';
import { createLogger, effectiveLogLevel, logFormatFor } from '../../server/logger.js';

/** A destination that keeps what is written. */
function sink(): { write(line: string): void; lines: string[] } {
  const lines: string[] = [];
  return { lines, write: (line: string) => void lines.push(line) };
}

describe('logger', () => {
  const env = process.env.KILN_LOG_LEVEL;
  afterEach(() => {
    if (env === undefined) delete process.env.KILN_LOG_LEVEL;
    else process.env.KILN_LOG_LEVEL = env;
  });

  it('chooses text for a terminal and JSON for anything else', () => {
    expect(logFormatFor({ isTTY: true })).toBe('text');
    expect(logFormatFor({ isTTY: false })).toBe('json');
    expect(logFormatFor({})).toBe('json');
  });

  it('text is one readable line per entry, with its fields', () => {
    delete process.env.KILN_LOG_LEVEL;
    const out = sink();
    createLogger({ format: 'text', destination: out }).info({ port: 9092 }, 'kiln broker started');
    expect(out.lines).toHaveLength(1);
    const line = out.lines[0]!;
    expect(line.endsWith('\n')).toBe(true);
    expect(line.trimEnd()).not.toContain('\n');
    expect(line).toMatch(/INFO.*kiln broker started.*"port":9092/);
    expect(() => JSON.parse(line) as unknown).toThrow();
  });

  it('JSON is one object per line, with the message and fields', () => {
    delete process.env.KILN_LOG_LEVEL;
    const out = sink();
    createLogger({ format: 'json', destination: out }).warn({ port: 9092 }, 'hello');
    expect(JSON.parse(out.lines[0]!)).toMatchObject({ level: 40, msg: 'hello', port: 9092, name: 'kiln' });
  });

  it('the configured level holds unless KILN_LOG_LEVEL overrides it', () => {
    delete process.env.KILN_LOG_LEVEL;
    const out = sink();
    const log = createLogger({ format: 'json', level: 'warn', destination: out });
    log.info('not shown');
    log.warn('shown');
    expect(out.lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['shown']);
    expect(effectiveLogLevel('warn', {})).toBe('warn');
    expect(effectiveLogLevel(undefined, {})).toBe('info');
    expect(effectiveLogLevel('warn', { KILN_LOG_LEVEL: 'debug' })).toBe('debug');
    expect(() => effectiveLogLevel('info', { KILN_LOG_LEVEL: 'loud' })).toThrow(ConfigError);
    expect(() => effectiveLogLevel('info', { KILN_LOG_LEVEL: 'loud' })).toThrow(/KILN_LOG_LEVEL/);
  });
});
