/** The broker's logger (pino): JSON lines on stdout, level from KILN_LOG_LEVEL (default info). */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(name = 'kiln'): Logger {
  return pino({ name, level: process.env.KILN_LOG_LEVEL ?? 'info' });
}
