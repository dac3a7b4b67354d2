/**
 * GET /api/cluster and /api/traffic: this broker, the live brokers and the controller, partition
 * counts over every topic; and this broker's traffic counters (server/metrics/topic-stats.ts)
 * copied as they are when read.
 *
 * In a cluster the live brokers are those registered in ZooKeeper (`/brokers/ids`, watched by the
 * broker's ClusterMembership) and the controller the one elected there; only this broker's own
 * admin listener is known, the others' adminUrl is null.
 */
import type { TopicCounters } from '../../metrics/topic-stats.js';
import type { RunningParts } from './api-sources.js';
import type { BrokerView, ClusterView, TrafficCounters, TrafficView } from './admin-api-types.js';
import { partitionHealth, partitionStates, topicNames } from './partition-states.js';

export function clusterView(parts: RunningParts): ClusterView {
  const { sources, membership } = parts;
  const partitions = { total: 0, offline: 0, underReplicated: 0, underMinIsr: 0 };
  for (const name of topicNames(parts)) {
    const states = partitionStates(parts, name);
    if (!states) continue;
    const health = partitionHealth(parts, name, states);
    partitions.total += states.length;
    partitions.offline += health.offline;
    partitions.underReplicated += health.underReplicated;
    partitions.underMinIsr += health.underMinIsr;
  }
  return {
    clusterId: sources.clusterId,
    mode: membership ? 'cluster' : 'single',
    brokerId: sources.brokerId,
    version: sources.version,
    startedMs: sources.startedMs,
    controllerId: membership ? controllerOf(parts) : sources.brokerId,
    brokers: brokersOf(parts),
    partitions,
    ready: sources.ready(),
  };
}

function controllerOf(parts: RunningParts): number {
  const elected = parts.membership!.controllerId;
  return elected >= 0 ? elected : (parts.metadata?.controllerId ?? -1);
}

function brokersOf(parts: RunningParts): BrokerView[] {
  const { sources, membership } = parts;
  const self: BrokerView = {
    id: sources.brokerId,
    host: sources.advertised.host,
    port: sources.advertised.port,
    rack: sources.rack,
    adminUrl: sources.adminUrl(),
  };
  const live = membership?.liveBrokers();
  if (!live || live.size === 0) return [self];
  const brokers: BrokerView[] = [];
  for (const registration of live.values()) {
    if (registration.id === self.id) {
      brokers.push(self);
      continue;
    }
    const endpoint = registration.endpoints[0];
    brokers.push({
      id: registration.id,
      host: endpoint?.host ?? '',
      port: endpoint?.port ?? -1,
      rack: registration.rack,
      adminUrl: null,
    });
  }
  return brokers.sort((a, b) => a.id - b.id);
}

export function trafficView(parts: RunningParts): TrafficView {
  const stats = parts.sources.metrics.topics;
  const topics: Record<string, TrafficCounters> = {};
  for (const [name, counters] of stats.topics) topics[name] = countersOf(counters);
  return {
    timeMs: parts.now,
    all: countersOf(stats.all),
    topics,
    replicationBytesOut: stats.replicationBytesOut,
  };
}

function countersOf(c: TopicCounters): TrafficCounters {
  return {
    bytesIn: c.bytesIn,
    bytesOut: c.bytesOut,
    messagesIn: c.messagesIn,
    produceRequests: c.totalProduceRequests,
    fetchRequests: c.totalFetchRequests,
    failedProduceRequests: c.failedProduceRequests,
    failedFetchRequests: c.failedFetchRequests,
  };
}
