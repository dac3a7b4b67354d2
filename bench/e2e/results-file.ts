/**
 * Writes a run's results: bench/results/e2e-<ISO date>.json (everything the run measured) and
 * .svg (the chart), then copies both to e2e-latest.json / .svg so the newest run has a fixed name.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeCheckout } from './baseline-compare.js';
import type { E2eReport } from './runner.js';
import { renderChart } from './svg-chart.js';

/** An ISO time usable in a file name everywhere: 2026-11-22T10-15-30Z. */
export function fileStamp(iso: string): string {
  return iso.replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
}

export function chartNotes(report: E2eReport): string[] {
  const m = report.machine;
  const gb = (v: number | null): string => (v === null ? 'failed' : `${v.toFixed(2)} GB/s`);
  const disk = gb(report.limits.diskGbPerSec);
  const loop = gb(report.limits.loopbackGbPerSec);
  const notes = [
    `${report.startedAt} · node ${report.node} · ${m.cpus} × ${m.cpuModel} · ${(m.totalMemoryBytes / 2 ** 30).toFixed(0)} GiB · ${m.platform} ${m.release}`,
    `limits (best of start and end): disk write + fdatasync ${disk}, loopback TCP ${loop} · broker and client share the cores`,
  ];
  if (report.baseline) {
    notes.push(
      `base = ${describeCheckout(report.baseline)}, new = ${describeCheckout(report.git)}, ${report.options.rounds} rounds alternating`,
    );
  }
  return notes;
}

export interface WrittenFiles {
  json: string;
  svg: string;
  latestJson: string;
  latestSvg: string;
}

export function writeResults(report: E2eReport, outDir: string): WrittenFiles {
  fs.mkdirSync(outDir, { recursive: true });
  const base = path.join(outDir, `e2e-${fileStamp(report.startedAt)}`);
  const files: WrittenFiles = {
    json: `${base}.json`,
    svg: `${base}.svg`,
    latestJson: path.join(outDir, 'e2e-latest.json'),
    latestSvg: path.join(outDir, 'e2e-latest.svg'),
  };
  const svg = renderChart({
    title: `Kiln end-to-end throughput${report.options.quick ? ' (--quick)' : ''}`,
    notes: chartNotes(report),
    cases: report.cases,
  });
  // Bigints never occur in the report, but a stray one must not lose the whole run's results.
  const json = JSON.stringify(
    report,
    (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value),
    2,
  );
  fs.writeFileSync(files.json, json + os.EOL);
  fs.writeFileSync(files.svg, svg);
  fs.copyFileSync(files.json, files.latestJson);
  fs.copyFileSync(files.svg, files.latestSvg);
  return files;
}
