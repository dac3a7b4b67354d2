// @ts-check
/**
 * The consumer groups list (`#/groups`) and one group's page (`#/groups/<id>`): its members and
 * what each was assigned, every partition's committed offset, high watermark and lag, and the
 * lag over the page's history (total and per topic).
 */
import { lineChart } from './chart.js';
import { h, stat, table } from './dom.js';
import { formatCount, orDash } from './format.js';
import { HISTORY_MS, groupLags } from './history.js';
import { topicHref } from './topics-view.js';

/** @typedef {import('./api.js').GroupSummary} GroupSummary */
/** @typedef {import('./api.js').GroupView} GroupView */

/** @param {string} id */
export function groupHref(id) {
  return `#/groups/${encodeURIComponent(id)}`;
}

/** @param {GroupSummary[]} groups */
export function groupsView(groups) {
  return [
    h('h1', { testid: 'view-title' }, 'Consumer groups'),
    h(
      'section',
      { class: 'panel' },
      groups.length === 0
        ? h('p', { class: 'muted', testid: 'no-groups' }, 'No groups coordinated by this broker.')
        : null,
      table('groups', ['Group', 'State', 'Protocol', 'Members', 'Total lag', 'Coordinator'], groups, (g) =>
        h(
          'tr',
          { testid: 'group-row', data: { group: g.groupId } },
          h('td', {}, h('a', { href: groupHref(g.groupId), testid: 'group-link' }, g.groupId)),
          h('td', { testid: 'group-state' }, g.state),
          h('td', {}, [g.protocolType, g.protocol].filter(Boolean).join(' / ') || '—'),
          h('td', { testid: 'group-members' }, g.members),
          h('td', { testid: 'group-lag', data: { value: g.totalLag } }, formatCount(g.totalLag)),
          h('td', {}, g.coordinator),
        ),
      ),
    ),
  ];
}

/** @param {GroupView} group */
function lagChart(group) {
  const samples = groupLags(group.groupId);
  const topics = [...new Set(samples.flatMap((x) => Object.keys(x.topics)))].sort();
  return lineChart({
    testid: 'chart-lag',
    title: 'Lag (records)',
    format: (v) => formatCount(Math.round(v)),
    windowMs: HISTORY_MS,
    series: [
      { name: 'total', points: samples.map((x) => [x.timeMs, x.total]) },
      ...(topics.length > 1
        ? topics.map((t) => ({
            name: t,
            points: samples
              .filter((x) => t in x.topics)
              .map((x) => /** @type {[number, number]} */ ([x.timeMs, x.topics[t] ?? 0])),
          }))
        : []),
    ],
  });
}

/** @param {GroupView} group */
export function groupView(group) {
  return [
    h('p', { class: 'crumbs' }, h('a', { href: '#/groups' }, 'Consumer groups'), ' / '),
    h('h1', { testid: 'view-title' }, group.groupId),
    h(
      'section',
      { class: 'panel' },
      h(
        'div',
        { class: 'stats' },
        stat('group-state', 'State', group.state, 0),
        stat('group-generation', 'Generation', String(group.generation), group.generation),
        stat('group-member-count', 'Members', String(group.members), group.members),
        stat('group-total-lag', 'Total lag', formatCount(group.totalLag), group.totalLag),
        stat('group-coordinator', 'Coordinator', `broker ${group.coordinator}`, group.coordinator),
      ),
      h(
        'p',
        { class: 'meta' },
        `protocol type ${group.protocolType || '—'} · assignor ${group.protocol || '—'}`,
      ),
      lagChart(group),
    ),
    h(
      'section',
      { class: 'panel' },
      h('h2', {}, 'Members'),
      group.memberViews.length === 0 ? h('p', { class: 'muted' }, 'No members.') : null,
      table('members', ['Member', 'Client', 'Host', 'Instance', 'Assignment'], group.memberViews, (m) =>
        h(
          'tr',
          { testid: 'member-row', data: { member: m.memberId } },
          h('td', { class: 'mono' }, m.memberId),
          h('td', {}, m.clientId),
          h('td', {}, m.clientHost),
          h('td', {}, m.groupInstanceId ?? '—'),
          h(
            'td',
            { testid: 'member-assignment' },
            m.assignment.map((a) =>
              h('div', {}, h('a', { href: topicHref(a.topic) }, a.topic), `: ${a.partitions.join(', ')}`),
            ),
          ),
        ),
      ),
    ),
    h(
      'section',
      { class: 'panel' },
      h('h2', {}, 'Offsets'),
      table(
        'offsets',
        ['Topic', 'Partition', 'Member', 'Committed', 'High watermark', 'Lag'],
        group.offsets,
        (o) =>
          h(
            'tr',
            { testid: 'offset-row', data: { topic: o.topic, partition: o.partition } },
            h('td', {}, h('a', { href: topicHref(o.topic) }, o.topic)),
            h('td', {}, o.partition),
            h('td', { class: 'mono' }, o.memberId ?? '—'),
            h('td', { testid: 'committed', data: { value: o.committed } }, orDash(o.committed)),
            h(
              'td',
              { testid: 'offset-high-watermark', data: { value: o.highWatermark } },
              orDash(o.highWatermark),
            ),
            h('td', { testid: 'lag', data: { value: o.lag } }, orDash(o.lag)),
          ),
      ),
    ),
  ];
}
