/**
 * Whether the broker is ready for traffic (/readyz), and if not, why: its data is loaded (logs
 * open, committed offsets read), its Kafka listener is open and, in a cluster, it is registered in
 * ZooKeeper with a live session, told the cluster by the controller, and in the ISR of every partition it follows (a follower still
 * catching up would be a poor place to send traffic after a restart).
 */

/** What readiness is judged from, read from the broker each time. */
export interface ReadinessSources {
  dataLoaded: () => boolean;
  listenerOpen: () => boolean;
  /** Cluster mode only; undefined for the single node. */
  cluster: () => ClusterReadiness | undefined;
}

export interface ClusterReadiness {
  brokerId: number;
  registered: boolean;
  connected: boolean;
  /** The controller has described the cluster to this broker (its first UpdateMetadata). */
  described: boolean;
  /** Every partition held here: its `topic-partition` key, leader, replicas and ISR. */
  partitions: Iterable<[string, { leader: number; isr: readonly number[] }]>;
}

export interface Readiness {
  ready: boolean;
  reasons: string[];
}

/** How many lagging partitions are named; the rest are counted. */
const MAX_NAMED = 20;

export function readiness(sources: ReadinessSources): Readiness {
  const reasons: string[] = [];
  if (!sources.dataLoaded()) reasons.push('data not loaded yet');
  if (!sources.listenerOpen()) reasons.push('Kafka listener not open');
  const cluster = sources.cluster();
  if (cluster) {
    if (!cluster.connected) reasons.push('not connected to ZooKeeper');
    if (!cluster.registered) reasons.push('not registered in ZooKeeper');
    // Until then the partitions it should follow are not known either.
    else if (!cluster.described) reasons.push('not yet told the cluster by the controller');
    const behind: string[] = [];
    for (const [key, state] of cluster.partitions) {
      if (state.leader !== cluster.brokerId && !state.isr.includes(cluster.brokerId)) behind.push(key);
    }
    if (behind.length > 0) {
      const named = behind.slice(0, MAX_NAMED).join(', ');
      const more = behind.length > MAX_NAMED ? ` and ${behind.length - MAX_NAMED} more` : '';
      reasons.push(`not in the ISR of ${behind.length} followed partition(s): ${named}${more}`);
    }
  }
  return { ready: reasons.length === 0, reasons };
}
