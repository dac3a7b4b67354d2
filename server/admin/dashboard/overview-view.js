// @ts-check
/**
 * The overview (`#/`): the cluster (brokers, the controller, partition health) and the traffic:
 * bytes in and out per second over the page's history, for all topics and per topic.
 */
import { lineChart } from './chart.js';
import { h, stat, table } from './dom.js';
import { formatByteRate, formatRate, formatTime } from './format.js';
import { HISTORY_MS, trafficRates, trafficTopics } from './history.js';

/** @typedef {import('./api.js').ClusterView} ClusterView */
/** @typedef {import('./api.js').BrokerView} BrokerView */

/** @param {ClusterView} cluster */
function clusterPanel(cluster) {
  const p = cluster.partitions;
  return h(
    'section',
    { class: 'panel' },
    h('h2', {}, 'Cluster'),
    h(
      'div',
      { class: 'stats' },
      stat('cluster-id', 'Cluster id', cluster.clusterId, 0),
      stat(
        'controller-id',
        'Controller',
        cluster.controllerId < 0 ? 'none' : `broker ${cluster.controllerId}`,
        cluster.controllerId,
      ),
      stat('broker-count', 'Brokers', String(cluster.brokers.length), cluster.brokers.length),
      stat('partitions-total', 'Partitions', String(p.total), p.total),
      stat('partitions-offline', 'Offline', String(p.offline), p.offline, 'bad'),
      stat(
        'partitions-under-replicated',
        'Under-replicated',
        String(p.underReplicated),
        p.underReplicated,
        'warn',
      ),
      stat('partitions-under-min-isr', 'Under min ISR', String(p.underMinIsr), p.underMinIsr, 'bad'),
    ),
    h(
      'p',
      { class: 'meta' },
      `${cluster.mode === 'single' ? 'Single node' : 'ZooKeeper cluster'} · answered by broker ${cluster.brokerId} · Kiln ${cluster.version} · started ${formatTime(cluster.startedMs)} · `,
      h(
        'span',
        { testid: 'ready', class: cluster.ready ? 'ok' : 'bad' },
        cluster.ready ? 'ready' : 'not ready',
      ),
    ),
    table('brokers', ['Id', 'Host', 'Port', 'Rack', 'Admin', 'Role'], cluster.brokers, (b) =>
      h(
        'tr',
        { testid: 'broker-row', data: { 'broker-id': b.id } },
        h('td', {}, b.id),
        h('td', {}, b.host),
        h('td', {}, b.port),
        h('td', {}, b.rack ?? '—'),
        h('td', {}, b.adminUrl ? h('a', { href: b.adminUrl }, b.adminUrl) : '—'),
        h(
          'td',
          {},
          b.id === cluster.controllerId
            ? h('span', { class: 'badge', testid: 'controller-badge' }, 'controller')
            : '',
        ),
      ),
    ),
  );
}

function trafficPanel() {
  const all = trafficRates();
  const now = all[all.length - 1]?.rates ?? { bytesIn: 0, bytesOut: 0, messagesIn: 0 };
  const topics = trafficTopics();
  const perTopic = topics.map((name) => ({ name, rates: trafficRates(name) }));
  return h(
    'section',
    { class: 'panel' },
    h('h2', {}, 'Throughput'),
    h(
      'div',
      { class: 'stats' },
      stat('rate-bytes-in', 'Bytes in', formatByteRate(now.bytesIn), now.bytesIn),
      stat('rate-bytes-out', 'Bytes out', formatByteRate(now.bytesOut), now.bytesOut),
      stat('rate-messages-in', 'Messages in', formatRate(now.messagesIn), now.messagesIn),
    ),
    h(
      'div',
      { class: 'charts' },
      lineChart({
        testid: 'chart-throughput',
        title: 'All topics, bytes/s',
        format: formatByteRate,
        windowMs: HISTORY_MS,
        series: [
          { name: 'in', points: all.map((r) => [r.timeMs, r.rates.bytesIn]) },
          { name: 'out', points: all.map((r) => [r.timeMs, r.rates.bytesOut]) },
        ],
      }),
      lineChart({
        testid: 'chart-topics-in',
        title: 'Bytes in per topic',
        format: formatByteRate,
        windowMs: HISTORY_MS,
        series: perTopic.map((t) => ({
          name: t.name,
          points: t.rates.map((r) => [r.timeMs, r.rates.bytesIn]),
        })),
      }),
      lineChart({
        testid: 'chart-topics-out',
        title: 'Bytes out per topic',
        format: formatByteRate,
        windowMs: HISTORY_MS,
        series: perTopic.map((t) => ({
          name: t.name,
          points: t.rates.map((r) => [r.timeMs, r.rates.bytesOut]),
        })),
      }),
    ),
    table('topic-rates', ['Topic', 'In', 'Out', 'Messages in'], perTopic, (t) => {
      const last = t.rates[t.rates.length - 1]?.rates ?? { bytesIn: 0, bytesOut: 0, messagesIn: 0 };
      return h(
        'tr',
        { testid: 'topic-rate-row', data: { topic: t.name } },
        h('td', {}, h('a', { href: `#/topics/${encodeURIComponent(t.name)}` }, t.name)),
        h('td', { data: { value: last.bytesIn } }, formatByteRate(last.bytesIn)),
        h('td', { data: { value: last.bytesOut } }, formatByteRate(last.bytesOut)),
        h('td', {}, formatRate(last.messagesIn)),
      );
    }),
  );
}

/** @param {ClusterView} cluster */
export function overviewView(cluster) {
  return [h('h1', { testid: 'view-title' }, 'Overview'), clusterPanel(cluster), trafficPanel()];
}
