/**
 * A hand-written SVG chart of an end-to-end run: for every case, records/s (left panel) and the
 * broker's CPU seconds per GB (right panel), produce and consume side by side, cases grouped by
 * client. Self-contained: generic font families only, no scripts, no external references, so any
 * browser or image viewer shows it as is.
 */
import type { CaseResult, PhaseResult } from './run-case.js';

export interface ChartInput {
  title: string;
  /** Lines under the title: date, machine, limits. */
  notes: string[];
  cases: CaseResult[];
}

const COLORS = {
  produce: '#3b6fb6',
  consume: '#e08a2c',
  grid: '#d8d8d8',
  text: '#222',
  muted: '#666',
  fail: '#c0392b',
};
const WIDTH = 1240;
const LABEL_X = 16;
const LABEL_WIDTH = 250;
const RATE_X = LABEL_X + LABEL_WIDTH;
const RATE_WIDTH = 520;
const CPU_X = RATE_X + RATE_WIDTH + 90;
const CPU_WIDTH = WIDTH - CPU_X - 90;
const BAR = 9;
const ROW = 2 * BAR + 8;
const GROUP_GAP = 26;
/** Value labels get a white halo, so a grid or target line behind them never hides a digit. */
const VALUE_ATTRS = `font-size="10" fill="${COLORS.muted}" stroke="#ffffff" stroke-width="3" paint-order="stroke"`;
/** PERFORMANCE.md's CPU targets, drawn as reference lines. */
const CPU_TARGETS = { produce: 1.4, consume: 0.45 };

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function text(x: number, y: number, content: string, attrs = ''): string {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}"${attrs ? ' ' + attrs : ''}>${escapeXml(content)}</text>`;
}

function rect(x: number, y: number, w: number, h: number, fill: string): string {
  return `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(0, w).toFixed(1)}" height="${h}" fill="${fill}"/>`;
}

function line(x1: number, y1: number, x2: number, y2: number, stroke: string, extra = ''): string {
  return `<line x1="${x1.toFixed(1)}" y1="${y1.toFixed(1)}" x2="${x2.toFixed(1)}" y2="${y2.toFixed(1)}" stroke="${stroke}"${extra ? ' ' + extra : ''}/>`;
}

/** A round axis maximum at or above `value`: 1, 2 or 5 times a power of ten. */
export function niceCeiling(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

function compact(value: number): string {
  if (value >= 1e6) return `${(value / 1e6).toFixed(value >= 1e7 ? 0 : 2)} M`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(value >= 1e5 ? 0 : 1)} k`;
  return value.toFixed(value >= 10 ? 0 : 2);
}

function ok(p: PhaseResult | null): p is PhaseResult & { client: NonNullable<PhaseResult['client']> } {
  return p !== null && !p.error && p.client !== null;
}

function caseLabel(c: CaseResult): string {
  const size = c.recordSize >= 1024 ? `${c.recordSize / 1024} KiB` : `${c.recordSize} B`;
  const run = c.run ? ` · ${c.run.broker} r${c.run.round}` : '';
  return `${size} · ${c.partitions} part. · acks=${c.acks} · ${c.compression}${run}`;
}

function clientName(client: string): string {
  return client === 'rdkafka' ? 'rdkafka_performance' : 'kiln perf';
}

/** Axis ticks and grid lines of one panel, at 0, 1/4, ... of `max`. */
function axis(x: number, width: number, top: number, bottom: number, max: number, unit: string): string[] {
  const out: string[] = [];
  for (let i = 0; i <= 4; i++) {
    const gx = x + (width * i) / 4;
    out.push(line(gx, top, gx, bottom, COLORS.grid));
    out.push(text(gx, bottom + 14, compact((max * i) / 4), `text-anchor="middle" fill="${COLORS.muted}"`));
  }
  out.push(text(x + width / 2, bottom + 30, unit, `text-anchor="middle" fill="${COLORS.muted}"`));
  return out;
}

export function renderChart(input: ChartInput): string {
  const phases = ['produce', 'consume'] as const;
  const rates = input.cases.flatMap((c) =>
    phases
      .map((p) => c[p])
      .filter(ok)
      .map((p) => p.client.recordsPerSec),
  );
  const cpus = input.cases.flatMap((c) =>
    phases
      .map((p) => c[p]?.brokerCpuSecondsPerGb)
      .filter((v): v is number => typeof v === 'number' && v >= 0),
  );
  const rateMax = niceCeiling(Math.max(1, ...rates));
  const cpuMax = niceCeiling(Math.max(CPU_TARGETS.produce, ...cpus));

  const body: string[] = [];
  let y = 28;
  body.push(text(LABEL_X, y, input.title, `font-size="18" font-weight="bold" fill="${COLORS.text}"`));
  for (const note of input.notes) {
    y += 17;
    body.push(text(LABEL_X, y, note, `fill="${COLORS.muted}"`));
  }
  y += 26;
  // Legend.
  body.push(rect(LABEL_X, y - 10, 12, 12, COLORS.produce), text(LABEL_X + 18, y, 'produce'));
  body.push(rect(LABEL_X + 90, y - 10, 12, 12, COLORS.consume), text(LABEL_X + 108, y, 'consume'));
  body.push(
    line(LABEL_X + 190, y - 4, LABEL_X + 214, y - 4, COLORS.fail, 'stroke-dasharray="4 3"'),
    text(LABEL_X + 220, y, 'CPU target (1.4 s/GB produce, 0.45 s/GB consume)'),
  );
  y += 28;
  body.push(text(RATE_X, y, 'records/s', `font-weight="bold" fill="${COLORS.text}"`));
  body.push(text(CPU_X, y, 'broker CPU s per GB of payload', `font-weight="bold" fill="${COLORS.text}"`));
  y += 10;
  const top = y;

  const groups = [...new Set(input.cases.map((c) => c.client))];
  for (const client of groups) {
    y += GROUP_GAP - 8;
    body.push(text(LABEL_X, y, clientName(client), `font-weight="bold" fill="${COLORS.text}"`));
    y += 8;
    for (const c of input.cases.filter((k) => k.client === client)) {
      body.push(text(LABEL_X + 10, y + ROW / 2 + 1, caseLabel(c), `fill="${COLORS.text}"`));
      phases.forEach((phase, i) => {
        const p = c[phase];
        const by = y + i * BAR + 2;
        const color = COLORS[phase];
        if (!ok(p)) {
          const why = p ? `${phase} failed` : c.error && i === 0 ? 'failed' : '';
          if (why) body.push(text(RATE_X + 4, by + BAR - 1, why, `font-size="10" fill="${COLORS.fail}"`));
          return;
        }
        const w = (p.client.recordsPerSec / rateMax) * RATE_WIDTH;
        body.push(rect(RATE_X, by, w, BAR, color));
        body.push(text(RATE_X + w + 4, by + BAR - 1, compact(p.client.recordsPerSec), VALUE_ATTRS));
        const cpu = p.brokerCpuSecondsPerGb;
        if (cpu !== null) {
          const cw = (cpu / cpuMax) * CPU_WIDTH;
          body.push(rect(CPU_X, by, cw, BAR, color));
          body.push(text(CPU_X + cw + 4, by + BAR - 1, cpu.toFixed(2), VALUE_ATTRS));
        }
      });
      y += ROW;
    }
  }
  const bottom = y + 4;
  const grid = [
    ...axis(RATE_X, RATE_WIDTH, top, bottom, rateMax, 'records per second'),
    ...axis(CPU_X, CPU_WIDTH, top, bottom, cpuMax, 'CPU seconds per 10^9 bytes'),
  ];
  const targets = Object.entries(CPU_TARGETS).map(([phase, t], i) => {
    const tx = CPU_X + (t / cpuMax) * CPU_WIDTH;
    // Labels on alternate sides of the line, so two close targets do not overprint.
    const label = text(
      tx + (i === 0 ? 3 : -3),
      top + 10,
      `${phase} ≤ ${t}`,
      `font-size="10" fill="${COLORS.fail}"${i === 0 ? '' : ' text-anchor="end"'}`,
    );
    return { line: line(tx, top, tx, bottom, COLORS.fail, 'stroke-dasharray="4 3"'), label };
  });
  const height = Math.ceil(bottom + 44);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect x="0" y="0" width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    // Grid and target lines behind the bars, so they never hide a value.
    ...grid,
    ...targets.map((t) => t.line),
    ...body,
    ...targets.map((t) => t.label),
    '</svg>',
    '',
  ].join('\n');
}
