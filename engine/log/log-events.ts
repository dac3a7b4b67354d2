/**
 * What the engine tells whoever runs it about the things an operator should see: recovery after
 * an unclean stop, segments deleted by retention or rewritten by compaction (info), and segment
 * rolls (debug, too frequent for info). Problems go on through the plain `log` callbacks, which
 * the broker logs as warnings; these carry a message and a few fields, so a JSON log gets numbers
 * it can be searched by, not only text.
 *
 * The engine knows nothing of the broker's logger: this is the whole of what it needs from one.
 */
export type LogFields = Record<string, string | number | boolean>;

export interface LogEvents {
  info(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
}

const nothing = (): void => {};

/** Events that go nowhere. */
export const SILENT_EVENTS: LogEvents = { info: nothing, debug: nothing };

/** `given` completed: what it leaves out goes nowhere. */
export function logEventsOf(given: Partial<LogEvents> | undefined): LogEvents {
  return { info: given?.info ?? nothing, debug: given?.debug ?? nothing };
}
