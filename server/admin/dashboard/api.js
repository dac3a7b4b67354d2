// @ts-check
/**
 * The admin JSON API as the dashboard reads it (the contract: ../api/admin-api-types.ts). Every
 * call is a GET relative to the page's origin, so the dashboard works wherever the admin listener
 * is and needs nothing from outside it.
 */

/** @typedef {import('../api/admin-api-types.js').ClusterView} ClusterView */
/** @typedef {import('../api/admin-api-types.js').BrokerView} BrokerView */
/** @typedef {import('../api/admin-api-types.js').TrafficView} TrafficView */
/** @typedef {import('../api/admin-api-types.js').TrafficCounters} TrafficCounters */
/** @typedef {import('../api/admin-api-types.js').TopicSummary} TopicSummary */
/** @typedef {import('../api/admin-api-types.js').TopicView} TopicView */
/** @typedef {import('../api/admin-api-types.js').PartitionView} PartitionView */
/** @typedef {import('../api/admin-api-types.js').SegmentView} SegmentView */
/** @typedef {import('../api/admin-api-types.js').GroupSummary} GroupSummary */
/** @typedef {import('../api/admin-api-types.js').GroupView} GroupView */

/** An answer other than 200: its status and the API's `error` text. */
export class ApiError extends Error {
  /** @param {string} path @param {number} status @param {string} message */
  constructor(path, status, message) {
    super(`${path}: ${status} ${message}`);
    this.status = status;
  }
}

/**
 * @template T
 * @param {string} path
 * @returns {Promise<T>}
 */
async function get(path) {
  const res = await fetch(path, { cache: 'no-store', headers: { accept: 'application/json' } });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new ApiError(path, res.status, body.error ?? res.statusText);
  return body;
}

export const api = {
  /** @returns {Promise<ClusterView>} */
  cluster: () => get('/api/cluster'),
  /** @returns {Promise<TrafficView>} */
  traffic: () => get('/api/traffic'),
  /** @returns {Promise<TopicSummary[]>} */
  topics: () => get('/api/topics'),
  /** @param {string} name @returns {Promise<TopicView>} */
  topic: (name) => get(`/api/topics/${encodeURIComponent(name)}`),
  /** @returns {Promise<GroupSummary[]>} */
  groups: () => get('/api/groups'),
  /** @param {string} id @returns {Promise<GroupView>} */
  group: (id) => get(`/api/groups/${encodeURIComponent(id)}`),
};
