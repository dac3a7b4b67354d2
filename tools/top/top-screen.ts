/**
 * One frame of `kiln top`, as text lines, from two samples of the admin API (the earlier one gives
 * the rates; without it, or when a counter went backwards because the broker restarted, a rate is
 * '-'). Pure: the command decides when to sample and where the lines go.
 *
 * The frame: a header (cluster, the broker answering, the controller, readiness, partition
 * counts), throughput per topic (busiest first), the partitions of the busiest topics (or the one
 * --topic names; under-replicated and offline ones first), and consumer groups with their lag and
 * how fast it changes. Lines never pass `width`.
 */
import type { TopicView, TrafficCounters } from '../../server/admin/api/admin-api-types.js';
import { formatBytes, tableLines } from '../client/cli.js';
import type { TopSample } from './admin-api-client.js';

export interface FrameOptions {
  width: number;
  /** Only this topic (its partitions and its groups' lag are shown). */
  topic?: string;
  /** Only this group. */
  group?: string;
  /** A line under the header (e.g. the broker could not be read and this frame is the last one known). */
  status?: string;
  /** Topic rows at most (partition rows and group rows likewise). */
  maxRows?: number;
}

/** Topics whose partitions a frame shows: the --topic one, else the three busiest by bytes in. */
export function shownTopics(sample: Pick<TopSample, 'topics' | 'traffic'>, topic?: string): string[] {
  if (topic !== undefined) return [topic];
  return sample.topics
    .filter((t) => !t.internal)
    .map((t) => ({ name: t.name, bytes: sample.traffic.topics[t.name]?.bytesIn ?? 0 }))
    .sort((a, b) => b.bytes - a.bytes || a.name.localeCompare(b.name))
    .slice(0, 3)
    .map((t) => t.name);
}

const DASH = '-';

/** Per second between two readings of a counter; null when unknown or the counter went back. */
export function ratePerSec(before: number | undefined, after: number, seconds: number): number | null {
  if (before === undefined || seconds <= 0 || after < before) return null;
  return (after - before) / seconds;
}

function mb(rate: number | null): string {
  return rate === null ? DASH : (rate / 1e6).toFixed(2);
}

function count(rate: number | null): string {
  return rate === null ? DASH : Math.round(rate).toLocaleString('en-US');
}

function bytes(n: number | null): string {
  return n === null ? DASH : formatBytes(n);
}

/** A name cut to `max` characters, with '…' when cut. */
export function cut(name: string, max: number): string {
  return name.length <= max ? name : `${name.slice(0, Math.max(max - 1, 0))}…`;
}

function trafficRates(
  before: TrafficCounters | undefined,
  after: TrafficCounters,
  seconds: number,
): { in: number | null; out: number | null; messages: number | null } {
  return {
    in: ratePerSec(before?.bytesIn, after.bytesIn, seconds),
    out: ratePerSec(before?.bytesOut, after.bytesOut, seconds),
    messages: ratePerSec(before?.messagesIn, after.messagesIn, seconds),
  };
}

const ZERO: TrafficCounters = {
  bytesIn: 0,
  bytesOut: 0,
  messagesIn: 0,
  produceRequests: 0,
  fetchRequests: 0,
  failedProduceRequests: 0,
  failedFetchRequests: 0,
};

export function renderFrame(prev: TopSample | undefined, cur: TopSample, options: FrameOptions): string[] {
  const maxRows = options.maxRows ?? 10;
  // A restart between samples shows as a later start time: no rate across it.
  const comparable =
    prev !== undefined && prev.cluster.startedMs === cur.cluster.startedMs ? prev : undefined;
  const seconds = comparable ? (cur.traffic.timeMs - comparable.traffic.timeMs) / 1000 : 0;
  const c = cur.cluster;
  const p = c.partitions;
  const out: string[] = [
    `kiln top · cluster ${c.clusterId} (${c.mode}) · broker ${c.brokerId} answering · controller ${c.controllerId < 0 ? 'none' : c.controllerId} · ${c.brokers.length} broker${c.brokers.length === 1 ? '' : 's'} · ${c.ready ? 'ready' : 'NOT READY'} · ${new Date(cur.traffic.timeMs).toISOString().slice(11, 19)}`,
    `partitions ${p.total} · offline ${p.offline} · under-replicated ${p.underReplicated} · under min ISR ${p.underMinIsr}`,
  ];
  if (options.status) out.push(options.status);
  const all = trafficRates(comparable?.traffic.all, cur.traffic.all, seconds);
  out.push(
    `all topics: in ${mb(all.in)} MB/s · out ${mb(all.out)} MB/s · ${count(all.messages)} messages/s in`,
    '',
  );

  // Throughput per topic.
  const topics = cur.topics
    .filter((t) => (options.topic === undefined ? !t.internal : t.name === options.topic))
    .map((t) => {
      const now = cur.traffic.topics[t.name] ?? ZERO;
      return {
        t,
        rates: trafficRates(
          comparable ? (comparable.traffic.topics[t.name] ?? ZERO) : undefined,
          now,
          seconds,
        ),
      };
    })
    .sort((a, b) => (b.rates.in ?? 0) - (a.rates.in ?? 0) || a.t.name.localeCompare(b.t.name));
  const nameWidth = Math.max(12, Math.min(40, options.width - 60));
  if (topics.length === 0) out.push(options.topic === undefined ? 'no topics' : `no topic ${options.topic}`);
  else
    out.push(
      ...tableLines(
        ['TOPIC', 'IN MB/s', 'OUT MB/s', 'MSGS/s', 'PARTS', 'RF', 'SIZE HERE', 'URP'],
        topics
          .slice(0, maxRows)
          .map(({ t, rates }) => [
            cut(t.name, nameWidth),
            mb(rates.in),
            mb(rates.out),
            count(rates.messages),
            String(t.partitions),
            String(t.replicationFactor),
            bytes(t.localBytes),
            String(t.underReplicated + t.offline),
          ]),
        new Set([1, 2, 3, 4, 5, 6, 7]),
      ),
    );
  if (topics.length > maxRows) out.push(`… ${topics.length - maxRows} more topics`);

  // Partitions of the topics shown, troubled ones first.
  const rows: { view: TopicView; p: TopicView['partitionViews'][number] }[] = [];
  for (const view of cur.partitions.values())
    for (const part of view.partitionViews) rows.push({ view, p: part });
  const trouble = (r: (typeof rows)[number]): number =>
    r.p.offline ? 0 : r.p.isr.length < r.p.replicas.length ? 1 : 2;
  rows.sort(
    (a, b) =>
      trouble(a) - trouble(b) || a.view.name.localeCompare(b.view.name) || a.p.partition - b.p.partition,
  );
  if (rows.length > 0) {
    out.push('');
    out.push(
      ...tableLines(
        ['TOPIC', 'PART', 'LEADER', 'ISR/REPLICAS', 'LOG END', 'HW', 'SIZE', 'STATE'],
        rows
          .slice(0, maxRows)
          .map(({ view, p: part }) => [
            cut(view.name, nameWidth),
            String(part.partition),
            part.leader < 0 ? 'none' : String(part.leader),
            `${part.isr.length}/${part.replicas.length}`,
            part.logEndOffset === null ? DASH : part.logEndOffset.toLocaleString('en-US'),
            part.highWatermark === null ? DASH : part.highWatermark.toLocaleString('en-US'),
            bytes(part.bytes),
            part.offline
              ? 'OFFLINE'
              : part.isr.length < part.replicas.length
                ? 'under-replicated'
                : part.local
                  ? 'ok'
                  : 'ok (elsewhere)',
          ]),
        new Set([1, 2, 3, 4, 5, 6]),
      ),
    );
    if (rows.length > maxRows) out.push(`… ${rows.length - maxRows} more partitions`);
  }

  // Consumer groups.
  const groups = cur.groups.filter((g) => options.group === undefined || g.groupId === options.group);
  out.push('');
  if (groups.length === 0)
    out.push(
      options.group === undefined
        ? 'no consumer groups coordinated here'
        : `no group ${options.group} coordinated here`,
    );
  else {
    const before = new Map(comparable?.groups.map((g) => [g.groupId, g.totalLag]));
    out.push(
      ...tableLines(
        ['GROUP', 'STATE', 'MEMBERS', 'LAG', 'LAG CHANGE/s'],
        [...groups]
          .sort((a, b) => b.totalLag - a.totalLag || a.groupId.localeCompare(b.groupId))
          .slice(0, maxRows)
          .map((g) => {
            const was = before.get(g.groupId);
            const change = was === undefined || seconds <= 0 ? null : (g.totalLag - was) / seconds;
            return [
              cut(g.groupId, nameWidth),
              g.state,
              String(g.members),
              g.totalLag.toLocaleString('en-US'),
              change === null
                ? DASH
                : `${change > 0 ? '+' : ''}${Math.round(change).toLocaleString('en-US')}`,
            ];
          }),
        new Set([2, 3, 4]),
      ),
    );
    if (groups.length > maxRows) out.push(`… ${groups.length - maxRows} more groups`);
  }
  return out.map((line) => (line.length > options.width ? line.slice(0, options.width) : line));
}
