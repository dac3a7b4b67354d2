// @ts-check
/**
 * What the page remembers between polls: the traffic samples (rates are the differences of two
 * samples' cumulative counters) and each group's lag. Kept in the page only, for the last
 * HISTORY_MS; a reload starts empty.
 */

/** @typedef {import('./api.js').TrafficView} TrafficView */
/** @typedef {import('./api.js').TrafficCounters} TrafficCounters */
/** @typedef {import('./api.js').GroupView} GroupView */
/** @typedef {import('./api.js').GroupSummary} GroupSummary */
/** @typedef {[number, number][]} Points [time ms, value] */
/** @typedef {{ bytesIn: number, bytesOut: number, messagesIn: number }} Rates per second */

export const HISTORY_MS = 5 * 60_000;

/** @type {TrafficView[]} */
const traffic = [];

/** @param {TrafficView} sample */
export function addTraffic(sample) {
  const last = traffic[traffic.length - 1];
  if (last && sample.timeMs <= last.timeMs) return;
  traffic.push(sample);
  while (traffic.length > 2 && traffic[0] && traffic[0].timeMs < sample.timeMs - HISTORY_MS) traffic.shift();
}

/**
 * Per-second rates between two readings of counters; null after a restart (a counter went down).
 * @param {TrafficCounters | undefined} a
 * @param {TrafficCounters | undefined} b
 * @param {number} seconds
 * @returns {Rates | null}
 */
function rates(a, b, seconds) {
  const zero = { bytesIn: 0, bytesOut: 0, messagesIn: 0 };
  const from = a ?? zero;
  const to = b ?? zero;
  if (to.bytesIn < from.bytesIn || to.bytesOut < from.bytesOut || to.messagesIn < from.messagesIn)
    return null;
  return {
    bytesIn: (to.bytesIn - from.bytesIn) / seconds,
    bytesOut: (to.bytesOut - from.bytesOut) / seconds,
    messagesIn: (to.messagesIn - from.messagesIn) / seconds,
  };
}

/**
 * The rate series of every interval in the history: all topics (`topic` undefined) or one.
 * @param {string} [topic]
 * @returns {{ timeMs: number, rates: Rates }[]}
 */
export function trafficRates(topic) {
  /** @type {{ timeMs: number, rates: Rates }[]} */
  const out = [];
  for (let i = 1; i < traffic.length; i++) {
    const a = /** @type {TrafficView} */ (traffic[i - 1]);
    const b = /** @type {TrafficView} */ (traffic[i]);
    const seconds = (b.timeMs - a.timeMs) / 1000;
    const r =
      topic === undefined
        ? rates(a.all, b.all, seconds)
        : // A topic first served between the samples counted from 0.
          rates(a.topics[topic], b.topics[topic], seconds);
    if (r) out.push({ timeMs: b.timeMs, rates: r });
  }
  return out;
}

/** The topics with traffic in the history, sorted. */
export function trafficTopics() {
  const names = new Set();
  for (const sample of traffic) for (const name of Object.keys(sample.topics)) names.add(name);
  return /** @type {string[]} */ ([...names].sort());
}

/** The latest sample, if any. */
export function latestTraffic() {
  return traffic[traffic.length - 1];
}

/** groupId → samples of its lag: the total and per topic. */
/** @type {Map<string, { timeMs: number, total: number, topics: Record<string, number> }[]>} */
const lags = new Map();

/**
 * @param {string} groupId
 * @param {number} timeMs
 * @param {number} total
 * @param {Record<string, number>} topics
 */
function addLag(groupId, timeMs, total, topics) {
  let samples = lags.get(groupId);
  if (!samples) lags.set(groupId, (samples = []));
  const last = samples[samples.length - 1];
  // The same moment seen through the list and the group's page: the page's reading has topics.
  if (last && timeMs - last.timeMs < 500) samples.pop();
  samples.push({ timeMs, total, topics });
  while (samples.length > 2 && samples[0] && samples[0].timeMs < timeMs - HISTORY_MS) samples.shift();
}

/** @param {GroupSummary[]} groups @param {number} timeMs */
export function addGroupLags(groups, timeMs) {
  for (const g of groups) {
    const last = lags.get(g.groupId)?.at(-1);
    if (last && timeMs - last.timeMs < 500) continue;
    addLag(g.groupId, timeMs, g.totalLag, {});
  }
}

/** @param {GroupView} group @param {number} timeMs */
export function addGroupLag(group, timeMs) {
  /** @type {Record<string, number>} */
  const topics = {};
  for (const o of group.offsets) if (o.lag >= 0) topics[o.topic] = (topics[o.topic] ?? 0) + o.lag;
  addLag(group.groupId, timeMs, group.totalLag, topics);
}

/** @param {string} groupId */
export function groupLags(groupId) {
  return lags.get(groupId) ?? [];
}
