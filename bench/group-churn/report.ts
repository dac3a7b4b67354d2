/**
 * The churn benchmark's figures for each group of a run: per event kind, the time until the group
 * consumes again (p50/p99/max) and how long the others were paused (p50); per group, records
 * acknowledged, lost and delivered twice. Printed as one table, phases side by side.
 */
import type { GroupRun } from './group-run.js';
import {
  delivery,
  firstReadMs,
  resumeMs,
  spread,
  othersPausedMs,
  type Delivery,
  type EventKind,
  type Spread,
} from './measure.js';

export interface KindFigures {
  kind: EventKind;
  times: Spread | null;
  /** Events whose partitions were never consumed again (or a joiner that never read). */
  unresolved: number;
  /** p50 over the events of how long the partitions they did not free went unread. */
  othersPaused: number | null;
}

export interface GroupFigures {
  phase: string;
  label: string;
  kinds: KindFigures[];
  delivery: Delivery;
}

export function figuresOf(phase: string, run: GroupRun, acked: readonly [number, number][][]): GroupFigures {
  const kinds = (['join', 'leave', 'crash'] as const).map((kind): KindFigures => {
    // A join counts from the new client's subscribe, not from its process start.
    const events = run.events
      .filter((e) => e.kind === kind)
      .map((e) => (kind === 'join' ? { ...e, t0: run.members[e.member]!.readyAt || e.t0 } : e));
    const times = events.map((e) =>
      kind === 'join' ? firstReadMs(run.log, e.member, e.t0) : resumeMs(run.log, e),
    );
    const paused = events.map((e) => othersPausedMs(run.log, e)).filter((t): t is number => t !== null);
    return {
      kind,
      times: spread(times.filter((t): t is number => t !== null)),
      unresolved: times.filter((t) => t === null).length,
      othersPaused: spread(paused)?.p50 ?? null,
    };
  });
  return { phase, label: run.options.label, kinds, delivery: delivery(acked, run.log) };
}

const pad = (cells: (string | number)[], widths: number[]): string =>
  cells.map((c, i) => (i < 3 ? String(c).padEnd(widths[i]!) : String(c).padStart(widths[i]!))).join('  ');

/** The table, one line per group and event kind, then one per group with the delivery counts. */
export function renderFigures(all: GroupFigures[]): string {
  const header = [
    'phase',
    'group',
    'event',
    'n',
    'p50 ms',
    'p99 ms',
    'max ms',
    'others paused ms',
    'unresolved',
  ];
  const rows: (string | number)[][] = [];
  for (const g of all) {
    for (const k of g.kinds) {
      const t = k.times;
      rows.push([
        g.phase,
        g.label,
        k.kind,
        (t?.count ?? 0) + k.unresolved,
        t ? t.p50 : '-',
        t ? t.p99 : '-',
        t ? t.max : '-',
        k.othersPaused ?? '-',
        k.unresolved,
      ]);
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const lines = [pad(header, widths), ...rows.map((r) => pad(r, widths))];
  lines.push('', 'phase / group: acknowledged, lost, delivered twice');
  for (const g of all) {
    const d = g.delivery;
    const lost = d.lost === 0 ? '0' : `${d.lost} (e.g. ${d.lostExamples.join(' ')})`;
    lines.push(`${g.phase} / ${g.label}: ${d.acked} acked, ${lost} lost, ${d.duplicates} duplicates`);
  }
  lines.push(
    '',
    "join: from the new member's subscribe to its first record; leave, crash: from the close or the " +
      'SIGKILL until every partition it owned is read by another member (a crash includes the session timeout). ' +
      'others paused: how long the partitions the event did not free went unread after it (median over ' +
      'them, p50 over the events).',
  );
  return lines.join('\n');
}

/** True when the run must fail: a record lost, or partitions never consumed again. */
export function failed(all: GroupFigures[]): boolean {
  return all.some((g) => g.delivery.lost > 0 || g.kinds.some((k) => k.unresolved > 0));
}
