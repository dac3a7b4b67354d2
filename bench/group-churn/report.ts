/**
 * The churn benchmark's figures for each group of a run: per event kind, the time until the group
 * consumes again (p50/p99/max); per group, the partition time paused per event and the records
 * acknowledged, lost and delivered twice. Printed as one table, phases side by side.
 */
import type { GroupRun } from './group-run.js';
import {
  delivery,
  firstReadMs,
  resumeMs,
  spread,
  pausedMs,
  type Delivery,
  type EventKind,
  type Spread,
} from './measure.js';

export interface KindFigures {
  kind: EventKind;
  times: Spread | null;
  /** Events whose partitions were never consumed again (or a joiner that never read). */
  unresolved: number;
}

export interface GroupFigures {
  phase: string;
  label: string;
  kinds: KindFigures[];
  /** Partition time unread during the churn (gaps over PAUSE_GAP_MS), per event, in ms. */
  pausedPerEventMs: number;
  delivery: Delivery;
  /** Times a member's client stream ended on an error and the member consumed again. */
  streamRestarts: number;
}

/** Records arrive on every partition every 50 ms: a gap longer than this is a pause. */
export const PAUSE_GAP_MS = 250;

export function figuresOf(phase: string, run: GroupRun, acked: readonly [number, number][][]): GroupFigures {
  const kinds = (['join', 'leave', 'crash'] as const).map((kind): KindFigures => {
    // A join counts from the new client's subscribe, not from its process start.
    const events = run.events
      .filter((e) => e.kind === kind)
      .map((e) => (kind === 'join' ? { ...e, t0: run.members[e.member]!.readyAt || e.t0 } : e));
    const times = events.map((e) =>
      kind === 'join' ? firstReadMs(run.log, e.member, e.t0) : resumeMs(run.log, e),
    );
    return {
      kind,
      times: spread(times.filter((t): t is number => t !== null)),
      unresolved: times.filter((t) => t === null).length,
    };
  });
  const paused = pausedMs(run.log, run.churnFrom, run.churnTo, PAUSE_GAP_MS);
  const pausedPerEventMs = run.events.length === 0 ? 0 : Math.round(paused / run.events.length);
  const streamRestarts = run.members.reduce((n, m) => n + m.streamRestarts, 0);
  return {
    phase,
    label: run.options.label,
    kinds,
    pausedPerEventMs,
    delivery: delivery(acked, run.log),
    streamRestarts,
  };
}

const pad = (cells: (string | number)[], widths: number[]): string =>
  cells.map((c, i) => (i < 3 ? String(c).padEnd(widths[i]!) : String(c).padStart(widths[i]!))).join('  ');

/** The table, one line per group and event kind, then one per group with the delivery counts. */
export function renderFigures(all: GroupFigures[]): string {
  const header = ['phase', 'group', 'event', 'n', 'p50 ms', 'p99 ms', 'max ms', 'unresolved'];
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
        k.unresolved,
      ]);
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const lines = [pad(header, widths), ...rows.map((r) => pad(r, widths))];
  lines.push(
    '',
    'phase / group: partition time paused per event; records acknowledged, lost, delivered twice',
  );
  for (const g of all) {
    const d = g.delivery;
    const lost = d.lost === 0 ? '0' : `${d.lost} (e.g. ${d.lostExamples.join(' ')})`;
    const paused = (g.pausedPerEventMs / 1000).toFixed(1);
    const restarts =
      g.streamRestarts > 0 ? `; the client's stream ended on an error ${g.streamRestarts}x` : '';
    lines.push(
      `${g.phase} / ${g.label}: ${paused} partition-s paused per event; ${d.acked} acked, ${lost} lost, ${d.duplicates} duplicates${restarts}`,
    );
  }
  lines.push(
    '',
    "join: from the new member's subscribe to its first record; leave, crash: from the close or the " +
      'SIGKILL until every partition it owned is read by another member (a crash includes the session timeout). ' +
      'paused: from the first event to the end of the churn, the time partitions went unread (gaps over ' +
      `${PAUSE_GAP_MS} ms, summed over the partitions), divided by the events. ` +
      'stream ended: @platformatic/kafka 1.35 ends its stream when an automatic commit keeps failing with ' +
      'REBALANCE_IN_PROGRESS or ILLEGAL_GENERATION across rebalances; the member then consumes again, as an application must.',
  );
  return lines.join('\n');
}

/** True when the run must fail: a record lost, or partitions never consumed again. */
export function failed(all: GroupFigures[]): boolean {
  return all.some((g) => g.delivery.lost > 0 || g.kinds.some((k) => k.unresolved > 0));
}
