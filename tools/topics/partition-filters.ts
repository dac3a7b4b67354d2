/**
 * The partition reports of `kiln topics --describe`, as kafka-topics.sh 2.4 has them: with one of
 * these flags only the partitions it names are printed (and no topic lines):
 * - --under-replicated-partitions: fewer in-sync replicas than replicas;
 * - --unavailable-partitions: no leader, or a leader that is not among the live brokers;
 * - --under-min-isr-partitions: fewer in-sync replicas than the topic's min.insync.replicas
 *   (acks=all produce is refused there);
 * - --at-min-isr-partitions: exactly min.insync.replicas in sync (one more loss refuses acks=all).
 * Kafka's tool takes at most one of them, and not with --topics-with-overrides.
 */

export const PARTITION_REPORTS = [
  'under-replicated-partitions',
  'unavailable-partitions',
  'under-min-isr-partitions',
  'at-min-isr-partitions',
] as const;
export type PartitionReport = (typeof PARTITION_REPORTS)[number];

export interface DescribedPartition {
  leader: number;
  replicas: number[];
  isr: number[];
}

/** Whether `p` belongs in `report`, given the live brokers and the topic's min.insync.replicas. */
export function inReport(
  report: PartitionReport,
  p: DescribedPartition,
  liveBrokers: ReadonlySet<number>,
  minIsr: number,
): boolean {
  switch (report) {
    case 'under-replicated-partitions':
      return p.isr.length < p.replicas.length;
    case 'unavailable-partitions':
      return p.leader < 0 || !liveBrokers.has(p.leader);
    case 'under-min-isr-partitions':
      return p.isr.length < minIsr;
    case 'at-min-isr-partitions':
      return p.isr.length === minIsr;
  }
}

/** min.insync.replicas from a topic's config value (Kafka's default, 1, when unset or unreadable). */
export function minIsrOf(value: string | null | undefined): number {
  const n = Number(value);
  return value !== null && value !== undefined && Number.isInteger(n) && n >= 1 ? n : 1;
}
