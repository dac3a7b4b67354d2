// @ts-check
/**
 * The dashboard's entry: hash routes, and the poll that keeps the open view live.
 *
 *   #/                  overview (cluster, throughput)
 *   #/topics            topics list      #/topics/<name>   one topic (URI-encoded name)
 *   #/groups            groups list      #/groups/<id>     one group
 *
 * Every POLL_MS the page reads /api/traffic and /api/groups (the history behind the charts, kept
 * whatever view is open) and the open view's data, then redraws that view whole. A click changes
 * the hash and redraws at once; an answer that arrives after a newer refresh began is dropped.
 * <body data-refreshes> counts the redraws, data-route names the view drawn (for the browser test).
 */
import { api, ApiError } from './api.js';
import { h } from './dom.js';
import { formatClock } from './format.js';
import { groupView, groupsView } from './groups-view.js';
import { addGroupLag, addGroupLags, addTraffic } from './history.js';
import { overviewView } from './overview-view.js';
import { topicView, topicsView } from './topics-view.js';

export const POLL_MS = 2000;

/**
 * @typedef {{ view: 'overview' } | { view: 'topics' } | { view: 'topic', name: string }
 *   | { view: 'groups' } | { view: 'group', id: string } | { view: 'missing', hash: string }} Route
 */

/** @param {string} hash @returns {Route} */
export function parseRoute(hash) {
  const parts = hash.replace(/^#\/?/, '').split('/');
  const [head = '', ...rest] = parts;
  const name = rest.join('/');
  try {
    if (head === '' && rest.length === 0) return { view: 'overview' };
    if (head === 'topics')
      return name ? { view: 'topic', name: decodeURIComponent(name) } : { view: 'topics' };
    if (head === 'groups') return name ? { view: 'group', id: decodeURIComponent(name) } : { view: 'groups' };
  } catch {
    // A name that does not decode names nothing.
  }
  return { view: 'missing', hash };
}

/** @param {Route} route @returns {Promise<Node[]>} */
async function load(route) {
  switch (route.view) {
    case 'overview':
      return overviewView(await api.cluster());
    case 'topics':
      return topicsView(await api.topics());
    case 'topic':
      return topicView(await api.topic(route.name));
    case 'groups': {
      const groups = await api.groups();
      addGroupLags(groups, Date.now());
      return groupsView(groups);
    }
    case 'group': {
      const group = await api.group(route.id);
      addGroupLag(group, Date.now());
      return groupView(group);
    }
    case 'missing':
      return [h('h1', { testid: 'view-title' }, 'Not found'), h('p', {}, `Nothing at ${route.hash}.`)];
  }
}

/** @param {string} id */
function byId(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the page has no #${id}`);
  return el;
}

let sequence = 0;
let refreshes = 0;

async function refresh() {
  const seq = ++sequence;
  const route = parseRoute(location.hash);
  const main = byId('view');
  const status = byId('status');
  try {
    const history = Promise.all([
      api.traffic().then(addTraffic),
      route.view === 'groups' ? null : api.groups().then((groups) => addGroupLags(groups, Date.now())),
    ]);
    const nodes = await load(route).catch((err) => {
      if (
        err instanceof ApiError &&
        err.status === 404 &&
        (route.view === 'topic' || route.view === 'group')
      ) {
        const what = route.view === 'topic' ? `topic ${route.name}` : `group ${route.id}`;
        return [
          h('h1', { testid: 'view-title' }, 'Not found'),
          h('p', { testid: 'not-found' }, `No ${what} here.`),
        ];
      }
      throw err;
    });
    await history;
    if (seq !== sequence) return;
    main.replaceChildren(...nodes);
    status.className = 'status ok';
    status.textContent = `live · updated ${formatClock(Date.now())}`;
    document.body.dataset.refreshes = String(++refreshes);
    document.body.dataset.route = route.view;
    const title =
      nodes[0] instanceof HTMLElement && nodes[0].tagName === 'H1' ? nodes[0] : main.querySelector('h1');
    document.title = `${title?.textContent ?? 'Kiln'} · Kiln`;
  } catch (err) {
    if (seq !== sequence) return;
    status.className = 'status bad';
    status.setAttribute('title', String(err));
    status.textContent = `cannot reach the broker: ${err instanceof Error ? err.message : String(err)}`;
  } finally {
    for (const link of document.querySelectorAll('nav a')) {
      const target = link.getAttribute('data-view');
      link.classList.toggle('current', route.view === target || route.view === `${target}`.replace(/s$/, ''));
    }
  }
}

/** @type {ReturnType<typeof setTimeout> | undefined} */
let timer;
let polls = 0;

/** Refreshes now, then every POLL_MS; a newer call (a click) takes over the schedule. */
function poll() {
  clearTimeout(timer);
  const mine = ++polls;
  void refresh().finally(() => {
    if (mine === polls) timer = setTimeout(poll, POLL_MS);
  });
}

window.addEventListener('hashchange', poll);
poll();
