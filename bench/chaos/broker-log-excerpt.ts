/**
 * What each broker last said, for a run that got stuck: the last lines of its log (slow requests
 * left out), each shortened to its time and message, so the verdict itself carries the story
 * (leaders taken, ISRs changed, produces refused) where only the verdict is kept, as in CI.
 */
import fs from 'node:fs';

/** The last `lines` lines of a broker's log file, shortened; '' when there is none. */
export function brokerLogExcerpt(file: string, lines = 15): string {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
  return text
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.includes('"slow request"'))
    .slice(-lines)
    .map(shorten)
    .join(' | ');
}

/** A JSON log line as "HH:MM:SS.mmm message"; any other line as it is. */
function shorten(line: string): string {
  if (!line.startsWith('{')) return line;
  try {
    const entry = JSON.parse(line) as { time?: number; msg?: string };
    const at = entry.time ? new Date(entry.time).toISOString().slice(11, 23) : '?';
    return `${at} ${entry.msg ?? line}`;
  } catch {
    return line;
  }
}
