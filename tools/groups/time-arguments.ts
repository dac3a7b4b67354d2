/**
 * The time arguments of `kiln groups --reset-offsets`, in the forms Kafka's consumer-groups tool
 * takes them:
 *
 *   --to-datetime  2024-03-01T12:30:00.000, with an optional zone (Z, +01:00 or +0100); without a
 *                  zone the local time zone, as Kafka's tool reads it. Seconds and milliseconds
 *                  may be left out. A plain integer is read as milliseconds since the epoch.
 *   --by-duration  an ISO-8601 duration PnDTnHnMnS (P1D, PT10M, P1DT2H30M, PT0.5S), the time
 *                  before now to reset to (a decimal comma in the seconds, as Java reads it).
 */
import { UsageError } from '../kiln.js';

const DATETIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/** Milliseconds since the epoch for a --to-datetime value; a UsageError for anything else. */
export function parseDatetime(text: string): number {
  if (/^-?\d+$/.test(text)) return Number(text);
  const match = DATETIME.exec(text.trim());
  if (!match) {
    throw new UsageError(
      `--to-datetime '${text}' is not a date-time: use YYYY-MM-DDTHH:mm:SS.sss, optionally with a zone (Z or +01:00)`,
    );
  }
  const [, y, mo, d, h, mi, s = '0', ms = '0', zone] = match;
  const parts = [y, mo, d, h, mi, s].map(Number) as [number, number, number, number, number, number];
  const millis = Number(ms.padEnd(3, '0'));
  const [year, month, day, hour, minute, second] = parts;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) {
    throw new UsageError(`--to-datetime '${text}' names no real time`);
  }
  let at: number;
  if (zone === undefined) {
    at = new Date(year, month - 1, day, hour, minute, second, millis).getTime();
  } else {
    at = Date.UTC(year, month - 1, day, hour, minute, second, millis);
    if (zone.toUpperCase() !== 'Z') {
      const sign = zone.startsWith('-') ? -1 : 1;
      const digits = zone.slice(1).replace(':', '');
      const offsetMinutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2));
      at -= sign * offsetMinutes * 60_000;
    }
  }
  // Date rolls 31 February over into March; a real date reads back the same day.
  const check = zone === undefined ? new Date(at) : new Date(Date.UTC(year, month - 1, day));
  const checkDay = zone === undefined ? check.getDate() : check.getUTCDate();
  if (checkDay !== day || Number.isNaN(at))
    throw new UsageError(`--to-datetime '${text}' names no real date`);
  return at;
}

const DURATION = /^([-+])?P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:[.,]\d{1,9})?)S)?)?$/i;

/** A --by-duration value in milliseconds (never negative: it is how far back to go). */
export function parseIsoDuration(text: string): number {
  const match = DURATION.exec(text.trim());
  const usage = new UsageError(
    `--by-duration '${text}' is not an ISO-8601 duration: use PnDTnHnMnS, e.g. PT10M, P1D or P1DT2H30M`,
  );
  if (!match) throw usage;
  const [, sign, days, hours, minutes, seconds] = match;
  if ([days, hours, minutes, seconds].every((part) => part === undefined)) throw usage;
  // "P1DT" (a T with nothing after it) is not a duration.
  if (/T$/i.test(text.trim())) throw usage;
  const ms =
    Number(days ?? 0) * 86_400_000 +
    Number(hours ?? 0) * 3_600_000 +
    Number(minutes ?? 0) * 60_000 +
    Math.round(Number((seconds ?? '0').replace(',', '.')) * 1000);
  if (sign === '-') throw new UsageError(`--by-duration '${text}' must not be negative`);
  return ms;
}
