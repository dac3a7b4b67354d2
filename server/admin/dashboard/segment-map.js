// @ts-check
/**
 * One partition's segments as a row of blocks, oldest first, each as wide as its share of the
 * partition's bytes (with a minimum, so an empty active segment still shows). Colour says the
 * compaction state (clean, dirty, or none for a topic that is not compacted), the active segment
 * is outlined, and the retention line stands between the segments retention would delete now
 * (expired, hatched) and the ones it keeps. A topic with neither time nor size retention has no line.
 * Each block's tooltip gives its offsets, bytes and times.
 */
import { h } from './dom.js';
import { formatBytes, formatCount, formatTime } from './format.js';

/** @typedef {import('./api.js').SegmentView} SegmentView */
/** @typedef {import('./api.js').PartitionView} PartitionView */

/** @param {SegmentView} seg */
function tooltip(seg) {
  const last = seg.endOffset > seg.baseOffset ? seg.endOffset - 1 : seg.baseOffset;
  return [
    `offsets ${formatCount(seg.baseOffset)}–${formatCount(last)} (${formatCount(seg.endOffset - seg.baseOffset)} records)`,
    `${formatBytes(seg.bytes)} (${formatCount(seg.bytes)} bytes)`,
    `created ${formatTime(seg.createdMs)}`,
    `newest record ${formatTime(seg.maxTimestampMs)}`,
    `compaction: ${seg.compaction}${seg.active ? ' · active' : ''}${seg.expired ? ' · expired (before the retention line)' : ''}`,
  ].join('\n');
}

/** @param {SegmentView} seg */
function block(seg) {
  const classes = ['segment', `segment-${seg.compaction}`];
  if (seg.active) classes.push('segment-active');
  if (seg.expired) classes.push('segment-expired');
  return h(
    'div',
    {
      class: classes.join(' '),
      testid: 'segment',
      title: tooltip(seg),
      style: { 'flex-grow': String(Math.max(seg.bytes, 1)) },
      data: {
        'base-offset': seg.baseOffset,
        'end-offset': seg.endOffset,
        bytes: seg.bytes,
        compaction: seg.compaction,
        active: String(seg.active),
        expired: String(seg.expired),
      },
    },
    h('span', { class: 'segment-label' }, formatCount(seg.baseOffset)),
  );
}

/**
 * @param {PartitionView} partition
 * @param {boolean} hasRetention the topic deletes by time or size
 */
export function segmentMap(partition, hasRetention) {
  const segments = partition.segments ?? [];
  const kept = segments.findIndex((seg) => !seg.expired);
  const lineAt = kept < 0 ? segments.length : kept;
  /** @type {HTMLElement[]} */
  const blocks = [];
  segments.forEach((seg, i) => {
    if (hasRetention && i === lineAt) blocks.push(retentionLine());
    blocks.push(block(seg));
  });
  if (hasRetention && lineAt === segments.length) blocks.push(retentionLine());
  const bytes = segments.reduce((sum, seg) => sum + seg.bytes, 0);
  return h(
    'div',
    { class: 'segment-map-wrap' },
    h(
      'div',
      { class: 'segment-map-head' },
      h('strong', {}, `Partition ${partition.partition}`),
      ` · ${segments.length} segment${segments.length === 1 ? '' : 's'} · ${formatBytes(bytes)}`,
    ),
    partition.segments === null
      ? h('div', { class: 'muted' }, 'not held on this broker')
      : h(
          'div',
          {
            class: 'segment-map',
            testid: 'segment-map',
            data: { partition: partition.partition, segments: segments.length },
          },
          blocks,
        ),
  );
}

function retentionLine() {
  return h('div', {
    class: 'retention-line',
    testid: 'retention-line',
    title: 'retention line: segments to the left are expired',
  });
}

export function segmentLegend() {
  return h(
    'ul',
    { class: 'legend segment-legend' },
    h('li', {}, h('span', { class: 'swatch segment-none' }), 'not compacted'),
    h('li', {}, h('span', { class: 'swatch segment-clean' }), 'clean'),
    h('li', {}, h('span', { class: 'swatch segment-dirty' }), 'dirty'),
    h('li', {}, h('span', { class: 'swatch segment-active' }), 'active'),
    h('li', {}, h('span', { class: 'swatch segment-expired' }), 'expired'),
    h('li', {}, h('span', { class: 'swatch retention-swatch' }), 'retention line'),
  );
}
