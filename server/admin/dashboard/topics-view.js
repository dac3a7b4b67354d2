// @ts-check
/**
 * The topics list (`#/topics`) and one topic's page (`#/topics/<name>`): its partitions with
 * leader, replicas and ISR (offline and under-replicated rows highlighted), offsets and sizes,
 * its traffic, and each partition's segment map.
 */
import { lineChart } from './chart.js';
import { h, stat, table } from './dom.js';
import { formatByteRate, formatBytes, formatCount, formatDuration, orDash } from './format.js';
import { HISTORY_MS, trafficRates } from './history.js';
import { segmentLegend, segmentMap } from './segment-map.js';

/** @typedef {import('./api.js').TopicSummary} TopicSummary */
/** @typedef {import('./api.js').TopicView} TopicView */
/** @typedef {import('./api.js').PartitionView} PartitionView */

/** @param {string} name */
export function topicHref(name) {
  return `#/topics/${encodeURIComponent(name)}`;
}

/** @param {TopicSummary[]} topics */
export function topicsView(topics) {
  return [
    h('h1', { testid: 'view-title' }, 'Topics'),
    h(
      'section',
      { class: 'panel' },
      table(
        'topics',
        ['Topic', 'Partitions', 'Replication', 'Size here', 'Offline', 'Under-replicated', 'Under min ISR'],
        topics,
        (t) =>
          h(
            'tr',
            {
              testid: 'topic-row',
              data: { topic: t.name },
              class:
                t.offline > 0
                  ? 'offline'
                  : t.underReplicated > 0 || t.underMinIsr > 0
                    ? 'under-replicated'
                    : '',
            },
            h(
              'td',
              {},
              h('a', { href: topicHref(t.name), testid: 'topic-link' }, t.name),
              t.internal ? h('span', { class: 'badge muted' }, 'internal') : null,
            ),
            h('td', { testid: 'topic-partitions' }, t.partitions),
            h('td', {}, t.replicationFactor),
            h('td', { data: { value: t.localBytes } }, formatBytes(t.localBytes)),
            h('td', {}, t.offline),
            h('td', {}, t.underReplicated),
            h('td', {}, t.underMinIsr),
          ),
      ),
    ),
  ];
}

/** @param {PartitionView} p */
function partitionRow(p) {
  const under = !p.offline && p.isr.length < p.replicas.length;
  return h(
    'tr',
    {
      testid: 'partition-row',
      data: { partition: p.partition },
      class: p.offline ? 'offline' : under ? 'under-replicated' : '',
    },
    h('td', {}, p.partition),
    h('td', { testid: 'leader' }, p.leader < 0 ? 'none' : p.leader),
    h('td', { testid: 'replicas' }, p.replicas.join(', ')),
    h('td', { testid: 'isr' }, p.isr.join(', ')),
    h(
      'td',
      { testid: 'log-start-offset', data: { value: p.logStartOffset ?? -1 } },
      orDash(p.logStartOffset),
    ),
    h('td', { testid: 'high-watermark', data: { value: p.highWatermark ?? -1 } }, orDash(p.highWatermark)),
    h('td', { testid: 'log-end-offset', data: { value: p.logEndOffset ?? -1 } }, orDash(p.logEndOffset)),
    h('td', {}, p.bytes === null ? '—' : formatBytes(p.bytes)),
    h('td', { testid: 'segment-count' }, p.segments === null ? '—' : p.segments.length),
    h('td', {}, p.offline ? 'offline' : under ? 'under-replicated' : 'ok'),
  );
}

/** @param {TopicView} topic */
export function topicView(topic) {
  const rates = trafficRates(topic.name);
  const hasRetention =
    topic.cleanupPolicy.includes('delete') && (topic.retentionMs >= 0 || topic.retentionBytes >= 0);
  const configs = Object.entries(topic.configs).sort(([a], [b]) => (a < b ? -1 : 1));
  return [
    h('p', { class: 'crumbs' }, h('a', { href: '#/topics' }, 'Topics'), ' / '),
    h('h1', { testid: 'view-title' }, topic.name),
    h(
      'section',
      { class: 'panel' },
      h(
        'div',
        { class: 'stats' },
        stat('topic-partition-count', 'Partitions', String(topic.partitions), topic.partitions),
        stat('topic-replication', 'Replication', String(topic.replicationFactor), topic.replicationFactor),
        stat('topic-bytes', 'Size here', formatBytes(topic.localBytes), topic.localBytes),
        stat('topic-offline', 'Offline', String(topic.offline), topic.offline, 'bad'),
        stat(
          'topic-under-replicated',
          'Under-replicated',
          String(topic.underReplicated),
          topic.underReplicated,
          'warn',
        ),
      ),
      h(
        'p',
        { class: 'meta' },
        `cleanup.policy ${topic.cleanupPolicy} · retention ${formatDuration(topic.retentionMs)}`,
        ` / ${topic.retentionBytes < 0 ? 'unlimited' : formatBytes(topic.retentionBytes)} · id ${topic.topicId}`,
      ),
      configs.length
        ? h('p', { class: 'meta', testid: 'topic-configs' }, configs.map(([k, v]) => `${k}=${v}`).join(' · '))
        : null,
    ),
    h(
      'section',
      { class: 'panel' },
      h('h2', {}, 'Partitions'),
      table(
        'partitions',
        [
          'Partition',
          'Leader',
          'Replicas',
          'ISR',
          'Log start',
          'High watermark',
          'Log end',
          'Size',
          'Segments',
          'State',
        ],
        topic.partitionViews,
        partitionRow,
      ),
    ),
    h(
      'section',
      { class: 'panel' },
      h('h2', {}, 'Traffic'),
      lineChart({
        testid: 'chart-topic-throughput',
        title: `${topic.name}, bytes/s`,
        format: formatByteRate,
        windowMs: HISTORY_MS,
        series: [
          { name: 'in', points: rates.map((r) => [r.timeMs, r.rates.bytesIn]) },
          { name: 'out', points: rates.map((r) => [r.timeMs, r.rates.bytesOut]) },
        ],
      }),
    ),
    h(
      'section',
      { class: 'panel' },
      h('h2', {}, 'Segments'),
      segmentLegend(),
      topic.partitionViews.map((p) => segmentMap(p, hasRetention)),
      h(
        'p',
        { class: 'muted' },
        `${formatCount(topic.partitionViews.length)} partitions; hover a block for its offsets and times.`,
      ),
    ),
  ];
}
