// @ts-check
/**
 * Line charts as inline SVG: one or more series of [time ms, value] points over a shared time
 * axis, y from 0 to a rounded maximum with three grid lines, and a legend. Drawn whole on every
 * refresh (a few hundred points at most), so there is no state to keep in step.
 */
import { h, s } from './dom.js';
import { formatClock } from './format.js';

/** @typedef {{ name: string, points: [number, number][] }} Series */

const COLORS = ['#2f6fdf', '#e0702b', '#2a9d5c', '#b03fb8', '#c7a200', '#d23c3c', '#3fa3b8', '#7a5b3a'];
const WIDTH = 520;
const HEIGHT = 180;
const PAD = { left: 78, right: 12, top: 10, bottom: 22 };

/** The smallest of 1, 2, 5 × 10^n at or above `value`. @param {number} value */
function niceMax(value) {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

/**
 * @param {{ testid: string, title: string, series: Series[], format: (v: number) => string, windowMs?: number }} options
 * @returns {HTMLElement}
 */
export function lineChart({ testid, title, series, format, windowMs }) {
  const all = series.flatMap((x) => x.points);
  const latest = all.length ? Math.max(...all.map((p) => p[0])) : Date.now();
  const t1 = latest;
  // From the first sample (at most windowMs back), so a young page's history fills the chart.
  const first = all.length ? Math.min(...all.map((p) => p[0])) : t1 - 60_000;
  const t0 = windowMs ? Math.max(first, t1 - windowMs) : first;
  const yMax = niceMax(Math.max(0, ...all.map((p) => p[1])));
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const x = (/** @type {number} */ t) => PAD.left + (t1 === t0 ? plotW : ((t - t0) / (t1 - t0)) * plotW);
  const y = (/** @type {number} */ v) => PAD.top + plotH - (v / yMax) * plotH;

  const grid = [0, 0.5, 1].map((f) =>
    s(
      'g',
      {},
      s('line', { class: 'grid', x1: PAD.left, x2: WIDTH - PAD.right, y1: y(f * yMax), y2: y(f * yMax) }),
      s(
        'text',
        { class: 'axis', x: PAD.left - 6, y: y(f * yMax) + 4, 'text-anchor': 'end' },
        format(f * yMax),
      ),
    ),
  );
  const axis = [
    s('text', { class: 'axis', x: PAD.left, y: HEIGHT - 6 }, formatClock(t0)),
    s('text', { class: 'axis', x: WIDTH - PAD.right, y: HEIGHT - 6, 'text-anchor': 'end' }, formatClock(t1)),
  ];
  const lines = series.map((one, i) => {
    const color = COLORS[i % COLORS.length] ?? '#000';
    const points = one.points
      .filter((p) => p[0] >= t0)
      .map((p) => `${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`)
      .join(' ');
    return s('polyline', { class: 'line', points, stroke: color, data: { series: one.name } });
  });
  const svg = s(
    'svg',
    { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: 'chart-svg', role: 'img', 'aria-label': title },
    grid,
    axis,
    lines,
    all.length < 2 ? s('text', { class: 'axis', x: WIDTH / 2, y: HEIGHT / 2 }, 'collecting samples…') : null,
  );
  const legend = h(
    'ul',
    { class: 'legend' },
    series.map((one, i) => {
      const last = one.points[one.points.length - 1];
      return h(
        'li',
        {},
        h('span', { class: 'swatch', style: { background: COLORS[i % COLORS.length] ?? '#000' } }),
        `${one.name} ${last ? format(last[1]) : '—'}`,
      );
    }),
  );
  return h('figure', { class: 'chart', testid }, h('figcaption', {}, title), svg, legend);
}
