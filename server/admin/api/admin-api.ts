/**
 * The admin JSON API's routes (the shapes: admin-api-types.ts). A GET under /api/ is answered
 * from the broker's parts as they are at that moment, built by the view of its concept
 * (cluster-view.ts, topic-view.ts, group-view.ts); nothing runs between requests.
 *
 *   200  the view
 *   404  { error: 'unknown topic', topic } / { error: 'unknown group', groupId } /
 *        { error: 'not found', path } for a path under /api/ that is no route
 *   503  { error: 'broker not running', reasons } while the broker has not opened its parts yet
 *        (or is stopping)
 *   500  { error: 'failed', path } if building an answer fails unexpectedly (admin-routes.ts)
 *
 * Names in the path are URI-decoded; one that does not decode is a 404 too.
 */
import { runningParts, type ApiSources } from './api-sources.js';
import { clusterView, trafficView } from './cluster-view.js';
import { groupSummaries, groupView } from './group-view.js';
import { topicSummaries, topicView, withClusterConfigs } from './topic-view.js';

export const API_PREFIX = '/api/';

export interface ApiAnswer {
  status: number;
  body: unknown;
}

/**
 * The answer to GET `path` (a path under /api/, without its query string). Synchronous but for
 * one topic in a cluster, whose overrides may have to be read from ZooKeeper.
 */
export function answerApi(sources: ApiSources, path: string): ApiAnswer | Promise<ApiAnswer> {
  const parts = runningParts(sources);
  if (!parts)
    return {
      status: 503,
      body: { error: 'broker not running', reasons: ['the broker is starting or stopping'] },
    };
  const route = path.slice(API_PREFIX.length);
  const slash = route.indexOf('/');
  const head = slash < 0 ? route : route.slice(0, slash);
  // A trailing slash names nothing more: /api/topics/ is the list.
  const rawName = slash < 0 || slash === route.length - 1 ? undefined : route.slice(slash + 1);
  if (rawName === undefined) {
    if (head === 'cluster') return ok(clusterView(parts));
    if (head === 'traffic') return ok(trafficView(parts));
    if (head === 'topics') return ok(topicSummaries(parts));
    if (head === 'groups') return ok(groupSummaries(parts));
  } else if (head === 'topics' || head === 'groups') {
    const name = decoded(rawName);
    if (name === undefined) return unknownName(head, rawName);
    if (head === 'groups') {
      const group = groupView(parts, name);
      return group ? ok(group) : unknownName(head, name);
    }
    const topic = topicView(parts, name);
    if (!topic) return unknownName(head, name);
    return parts.sources.clusterConfigs ? withClusterConfigs(parts, topic).then(ok) : ok(topic);
  }
  return { status: 404, body: { error: 'not found', path } };
}

function ok(body: unknown): ApiAnswer {
  return { status: 200, body };
}

function unknownName(head: 'topics' | 'groups', name: string): ApiAnswer {
  if (head === 'topics') return { status: 404, body: { error: 'unknown topic', topic: name } };
  return { status: 404, body: { error: 'unknown group', groupId: name } };
}

function decoded(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}
