/**
 * The engine's operator events (recovery, retention and compaction deletions at info, segment
 * rolls at debug; engine/log/log-events.ts) written to the broker's logger, their fields as the
 * JSON line's fields. The engine never sees the logger itself.
 */
import type { LogEvents } from '../engine/index.js';
import type { Logger } from './logger.js';

export function engineLogEvents(log: Logger): LogEvents {
  return {
    info: (message, fields) => log.info(fields ?? {}, message),
    debug: (message, fields) => {
      // Rolls are frequent under load: build nothing when debug is off.
      if (log.isLevelEnabled('debug')) log.debug(fields ?? {}, message);
    },
  };
}
