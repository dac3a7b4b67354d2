/**
 * `kiln top`'s reads of a broker's admin JSON API (server/admin/api/admin-api-types.ts): one
 * sample is the cluster, the traffic counters, the topics, the groups, and the partitions of the
 * topics the screen shows, read at one moment.
 */
import type {
  ClusterView,
  GroupSummary,
  TopicSummary,
  TopicView,
  TrafficView,
} from '../../server/admin/api/admin-api-types.js';

export interface TopSample {
  cluster: ClusterView;
  traffic: TrafficView;
  topics: TopicSummary[];
  groups: GroupSummary[];
  /** The topics whose partitions are shown, by name. */
  partitions: Map<string, TopicView>;
}

/** The admin listener could not be read (not listening, not Kiln's, or answering errors). */
export class AdminApiError extends Error {}

/** `host:port` or a URL; the base URL without a trailing slash. */
export function adminBaseUrl(given: string): string {
  const url = /^[a-z]+:\/\//i.test(given) ? given : `http://${given}`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new AdminApiError(`--admin-url: not a URL or host:port: ${given}`);
  }
  if (parsed.protocol !== 'http:')
    throw new AdminApiError(`--admin-url: only http:// is served, not ${given}`);
  return `${parsed.protocol}//${parsed.host}`;
}

export async function readJson<T>(base: string, path: string, timeoutMs: number): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
    throw new AdminApiError(
      `cannot reach the admin listener at ${base} (${cause}); is the broker running, and is its ` +
        `kiln.admin.listener this address (it may be elsewhere, or none)?`,
    );
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new AdminApiError(
      `${base}${path} did not answer JSON (HTTP ${res.status}): is it Kiln's admin listener?`,
    );
  }
  if (!res.ok) {
    const reason = (body as { error?: string }).error ?? `HTTP ${res.status}`;
    throw new AdminApiError(`${base}${path}: ${reason}`);
  }
  return body as T;
}

/** Reads a sample; `shown(topics, traffic)` names the topics whose partitions to read too. */
export async function readSample(
  base: string,
  timeoutMs: number,
  shown: (topics: TopicSummary[], traffic: TrafficView) => string[],
): Promise<TopSample> {
  const [cluster, traffic, topics, groups] = await Promise.all([
    readJson<ClusterView>(base, '/api/cluster', timeoutMs),
    readJson<TrafficView>(base, '/api/traffic', timeoutMs),
    readJson<TopicSummary[]>(base, '/api/topics', timeoutMs),
    readJson<GroupSummary[]>(base, '/api/groups', timeoutMs),
  ]);
  const partitions = new Map<string, TopicView>();
  const views = await Promise.all(
    shown(topics, traffic).map((name) =>
      readJson<TopicView>(base, `/api/topics/${encodeURIComponent(name)}`, timeoutMs).catch(() => undefined),
    ),
  );
  for (const view of views) if (view) partitions.set(view.name, view);
  return { cluster, traffic, topics, groups, partitions };
}
