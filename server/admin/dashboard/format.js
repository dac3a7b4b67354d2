// @ts-check
/** How the dashboard writes numbers, sizes, rates and times. */

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** @param {number} bytes */
export function formatBytes(bytes) {
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value.toFixed(0) : value.toFixed(1)} ${UNITS[unit]}`;
}

/** @param {number} bytesPerSecond */
export function formatByteRate(bytesPerSecond) {
  return `${formatBytes(bytesPerSecond)}/s`;
}

/** @param {number} value */
export function formatCount(value) {
  return value.toLocaleString('en-US');
}

/** @param {number} perSecond */
export function formatRate(perSecond) {
  return `${perSecond < 10 ? perSecond.toFixed(1) : Math.round(perSecond).toLocaleString('en-US')}/s`;
}

/** An epoch-ms time as local date and time; '—' for -1 (none). @param {number} ms */
export function formatTime(ms) {
  if (ms < 0) return '—';
  const d = new Date(ms);
  const pad = (/** @type {number} */ n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(
    d.getMinutes(),
  )}:${pad(d.getSeconds())}`;
}

/** A clock time (for chart axes). @param {number} ms */
export function formatClock(ms) {
  return formatTime(ms).slice(11);
}

/** A duration in ms as the largest whole unit: '7d', '3h', '15m', '20s'; -1 is 'unlimited'. @param {number} ms */
export function formatDuration(ms) {
  if (ms < 0) return 'unlimited';
  for (const [unit, size] of /** @type {[string, number][]} */ ([
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ])) {
    if (ms >= size) return `${+(ms / size).toFixed(1)}${unit}`;
  }
  return `${ms}ms`;
}

/** @param {number | null} value */
export function orDash(value) {
  return value === null || value < 0 ? '—' : formatCount(value);
}
