/** `kiln top`: a live terminal view of a broker's throughput, partitions and consumer lag. */
import { parseArgs } from 'node:util';
import type { Command } from '../kiln.js';
import { UsageError } from '../kiln.js';
import { AdminApiError, adminBaseUrl, readSample, type TopSample } from '../top/admin-api-client.js';
import { renderFrame, shownTopics } from '../top/top-screen.js';

const USAGE = `usage: kiln top [--admin-url URL] [--interval SECONDS] [--topic T] [--group G] [--once]

A live view of one broker, read from its admin listener (kiln.admin.listener): throughput per
topic, the partitions of the busiest topics (or of --topic), and the consumer groups it
coordinates with their lag. Rates are over the last interval. On a terminal the view redraws in
place (q or Ctrl-C quits); otherwise each frame is printed after the last.

  --admin-url URL      the broker's admin listener (default http://127.0.0.1:9644; host:port works)
  --interval SECONDS   time between samples (default 2; at least 0.1)
  --topic T            only this topic: its throughput and all its partitions
  --group G            only this consumer group
  --once               print one frame (two samples an interval apart) and exit`;

const OPTIONS = {
  'admin-url': { type: 'string', default: 'http://127.0.0.1:9644' },
  interval: { type: 'string', default: '2' },
  topic: { type: 'string' },
  group: { type: 'string' },
  once: { type: 'boolean', default: false },
} as const;

const HIDE_CURSOR = '\x1b[?25l';
const SHOW_CURSOR = '\x1b[?25h';
const CLEAR = '\x1b[H\x1b[2J';

export const command: Command = {
  name: 'top',
  summary: 'live view of throughput, partitions and consumer lag (from the admin listener)',
  usage: USAGE,
  async run(argv) {
    const { values } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false });
    const intervalSeconds = Number(values.interval);
    if (!Number.isFinite(intervalSeconds) || intervalSeconds < 0.1)
      throw new UsageError(`--interval wants a number of seconds of at least 0.1, not ${values.interval}`);
    let base: string;
    try {
      base = adminBaseUrl(values['admin-url']);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const intervalMs = intervalSeconds * 1000;
    const timeoutMs = Math.max(intervalMs, 3000);
    const topic = values.topic;
    const group = values.group;
    const sample = (): Promise<TopSample> =>
      readSample(base, timeoutMs, (topics, traffic) => shownTopics({ topics, traffic }, topic));
    const out = process.stdout;
    const width = (): number => (out.isTTY && out.columns ? out.columns : 120);
    const frame = (prev: TopSample | undefined, cur: TopSample, status?: string): string[] =>
      renderFrame(prev, cur, {
        width: width(),
        ...(topic !== undefined ? { topic } : {}),
        ...(group !== undefined ? { group } : {}),
        ...(status !== undefined ? { status } : {}),
        ...(out.isTTY && out.rows ? { maxRows: Math.max(3, Math.floor((out.rows - 12) / 3)) } : {}),
      });

    let first: TopSample;
    try {
      first = await sample();
    } catch (err) {
      if (err instanceof AdminApiError) {
        process.stderr.write(`kiln top: ${err.message}\n`);
        return 1;
      }
      throw err;
    }
    if (values.once) {
      await sleep(intervalMs);
      const second = await sample().catch((err: unknown) => {
        process.stderr.write(`kiln top: ${(err as Error).message}\n`);
        return undefined;
      });
      if (!second) return 1;
      out.write(frame(first, second).join('\n') + '\n');
      return 0;
    }
    return live(first, sample, frame, intervalMs);
  },
};

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Samples every interval until q, Ctrl-C or SIGTERM; a broker that stops answering is retried. */
async function live(
  first: TopSample,
  sample: () => Promise<TopSample>,
  frame: (prev: TopSample | undefined, cur: TopSample, status?: string) => string[],
  intervalMs: number,
): Promise<number> {
  const out = process.stdout;
  const tty = out.isTTY === true;
  const stop = new AbortController();
  const quit = (): void => stop.abort();
  process.once('SIGINT', quit);
  process.once('SIGTERM', quit);
  const stdin = process.stdin;
  const keys = stdin.isTTY === true;
  const onKey = (key: Buffer): void => {
    const k = key.toString();
    if (k === 'q' || k === 'Q' || k === '\x03') quit();
  };
  if (keys) {
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on('data', onKey);
  }
  if (tty) out.write(HIDE_CURSOR);
  let prev = first;
  let lost: { since: Date; message: string } | undefined;
  let frames = 0;
  try {
    while (!stop.signal.aborted) {
      await sleep(intervalMs, stop.signal);
      if (stop.signal.aborted) break;
      let lines: string[];
      try {
        const cur = await sample();
        lines = frame(prev, cur);
        prev = cur;
        lost = undefined;
      } catch (err) {
        if (!(err instanceof AdminApiError)) throw err;
        lost ??= { since: new Date(), message: err.message };
        const since = lost.since.toISOString().slice(11, 19);
        lines = frame(undefined, prev, `NOT ANSWERING since ${since}, retrying: ${lost.message}`);
      }
      out.write(tty ? CLEAR + lines.join('\n') + '\n' : (frames > 0 ? '\n' : '') + lines.join('\n') + '\n');
      frames++;
    }
  } finally {
    process.off('SIGINT', quit);
    process.off('SIGTERM', quit);
    if (keys) {
      stdin.off('data', onKey);
      stdin.setRawMode(false);
      stdin.pause();
    }
    if (tty) out.write(SHOW_CURSOR);
  }
  return 0;
}
