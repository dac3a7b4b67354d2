/**
 * GET /api/topics and /api/topics/{name}: every topic as a TopicSummary, and one topic with its
 * configuration and partitions, the partitions held here with their offsets and segments
 * (segment-view.ts). Leaders, replicas and the ISR come from partition-states.ts.
 *
 * The configuration is what this broker has for the topic: its overrides as the topic store keeps
 * them, and the effective retention and cleanup policy of its logs. In a cluster a broker that
 * holds no replica of a topic does not keep its overrides: they are read from ZooKeeper then
 * (withClusterConfigs), as DescribeConfigs reads them, on top of this broker's defaults.
 */
import { parseLogConfig, propertyText, type LogConfig } from '../../../engine/index.js';
import { usableTopicConfigs } from '../../cluster/cluster-configs.js';
import type { RunningParts } from './api-sources.js';
import type { PartitionView, TopicSummary, TopicView } from './admin-api-types.js';
import {
  isInternal,
  partitionHealth,
  partitionStates,
  replicationFactor,
  topicIdOf,
  topicNames,
  type PartitionState,
} from './partition-states.js';
import { segmentViews } from './segment-view.js';

export function topicSummaries(parts: RunningParts): TopicSummary[] {
  const out: TopicSummary[] = [];
  for (const name of topicNames(parts)) {
    const states = partitionStates(parts, name);
    if (states) out.push(summaryOf(parts, name, states));
  }
  return out;
}

/** One topic, or undefined when this broker knows no such topic. */
export function topicView(parts: RunningParts, name: string): TopicView | undefined {
  const states = partitionStates(parts, name);
  if (!states) return undefined;
  return {
    ...summaryOf(parts, name, states),
    ...configView(parts.topics.get(name)?.configs ?? {}, configOf(parts, name, states)),
    partitionViews: states.map((state) => partitionView(parts, name, state)),
  };
}

/**
 * Cluster mode, a topic this broker holds no replica of: its overrides from ZooKeeper, applied to
 * this broker's defaults. The view stays as it is when ZooKeeper cannot tell.
 */
export async function withClusterConfigs(parts: RunningParts, view: TopicView): Promise<TopicView> {
  const configs = parts.sources.clusterConfigs;
  if (!configs || parts.topics.get(view.name)) return view;
  try {
    const overrides = await configs.topicConfig(view.name);
    if (!overrides) return view;
    const usable = usableTopicConfigs(overrides, () => {});
    return { ...view, ...configView(usable, parseLogConfig(usable, parts.logs.defaults)) };
  } catch {
    return view;
  }
}

function configView(
  overrides: Record<string, string>,
  config: Readonly<LogConfig>,
): Pick<TopicView, 'configs' | 'retentionMs' | 'retentionBytes' | 'cleanupPolicy'> {
  return {
    configs: { ...overrides },
    retentionMs: config.retentionMs,
    retentionBytes: config.retentionBytes,
    cleanupPolicy: propertyText(config.cleanupPolicy),
  };
}

function summaryOf(parts: RunningParts, name: string, states: readonly PartitionState[]): TopicSummary {
  let localBytes = 0;
  for (const state of states) localBytes += parts.logs.getLog(name, state.partition)?.size ?? 0;
  return {
    name,
    topicId: topicIdOf(parts, name),
    internal: isInternal(name),
    partitions: states.length,
    replicationFactor: replicationFactor(states),
    localBytes,
    ...partitionHealth(parts, name, states),
  };
}

/** The effective config: a held log's own, else the defaults with the overrides known here. */
function configOf(parts: RunningParts, name: string, states: readonly PartitionState[]): Readonly<LogConfig> {
  for (const state of states) {
    const log = parts.logs.getLog(name, state.partition);
    if (log) return log.config;
  }
  return parts.logs.configFor(name);
}

function partitionView(parts: RunningParts, topic: string, state: PartitionState): PartitionView {
  const log = parts.logs.getLog(topic, state.partition);
  const common = {
    partition: state.partition,
    leader: state.leader,
    replicas: state.replicas,
    isr: state.isr,
    offline: state.offline,
  };
  if (!log)
    return {
      ...common,
      local: false,
      logStartOffset: null,
      logEndOffset: null,
      highWatermark: null,
      bytes: null,
      segments: null,
    };
  return {
    ...common,
    local: true,
    logStartOffset: log.logStartOffset,
    logEndOffset: log.logEndOffset,
    highWatermark: log.highWatermark,
    bytes: log.size,
    segments: segmentViews(parts.logs, log, parts.now),
  };
}
