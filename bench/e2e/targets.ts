/**
 * Kiln's performance targets from PERFORMANCE.md, each checked against the figure of this run that
 * it is about: the rate and CPU targets on the anchor workload (rdkafka_performance, 100 B, one
 * partition, acks=1, no compression), the bandwidth target on its 1 KiB twin, the latency target on
 * the latency run, the memory target over every case. When the rdkafka_performance case is missing
 * (--only, or it failed) the kiln perf twin stands in, and the source column says so. A case that
 * ran several times (--rounds) counts with its round of the best rate in that phase. The cluster
 * targets (evaluateClusterTargets) are checked on the cluster cases, the rate against the
 * single-node kiln perf acks=1 case of the same record size from the same run.
 */
import type { ClusterCaseResult } from './cluster-case.js';
import type { LatencyRunResult } from './latency-run.js';
import { caseId, type BenchCase } from './matrix.js';
import type { CaseResult, PhaseResult } from './run-case.js';

export interface TargetResult {
  name: string;
  /** e.g. "≥ 1.25 M records/s". */
  target: string;
  measured: string;
  value: number | null;
  /** null when the run has no figure for it. */
  met: boolean | null;
  /** Which case or run the figure came from. */
  source: string;
}

type Shape = Pick<BenchCase, 'recordSize' | 'partitions' | 'acks' | 'compression'>;

const ANCHOR: Shape = { recordSize: 100, partitions: 1, acks: '1', compression: 'none' };
const ANCHOR_1K: Shape = { ...ANCHOR, recordSize: 1024 };

/** The phase of the case with this shape, rdkafka_performance first, kiln perf if that is missing. */
function phaseOf(
  cases: CaseResult[],
  shape: Shape,
  phase: 'produce' | 'consume',
): [CaseResult, PhaseResult] | null {
  for (const client of ['rdkafka', 'kiln'] as const) {
    let best: [CaseResult, PhaseResult] | null = null;
    for (const c of cases) {
      const p = c[phase];
      const fits =
        c.client === client &&
        c.recordSize === shape.recordSize &&
        c.partitions === shape.partitions &&
        c.acks === shape.acks &&
        c.compression === shape.compression;
      if (!fits || !p?.client || p.error) continue;
      if (!best || p.client.recordsPerSec > (best[1].client?.recordsPerSec ?? 0)) best = [c, p];
    }
    if (best) return best;
  }
  return null;
}

function check(
  name: string,
  target: string,
  threshold: number,
  atLeast: boolean,
  value: number | null,
  measured: (v: number) => string,
  source: string,
): TargetResult {
  if (value === null || !Number.isFinite(value)) {
    return { name, target, measured: 'not measured', value: null, met: null, source };
  }
  return {
    name,
    target,
    measured: measured(value),
    value,
    met: atLeast ? value >= threshold : value <= threshold,
    source,
  };
}

const millions = (v: number): string => `${(v / 1e6).toFixed(2)} M`;
const fixed =
  (digits: number, unit = '') =>
  (v: number): string =>
    `${v.toFixed(digits)}${unit}`;
const mb = (v: number): string => `${(v / 1e6).toFixed(0)} MB`;

export function evaluateTargets(cases: CaseResult[], latency: LatencyRunResult | null): TargetResult[] {
  const produce = phaseOf(cases, ANCHOR, 'produce');
  const consume = phaseOf(cases, ANCHOR, 'consume');
  const produce1k = phaseOf(cases, ANCHOR_1K, 'produce');
  const source = (found: [CaseResult, PhaseResult] | null): string =>
    found ? found[0].id : 'no such case ran';

  // Over every phase of every case and the latency run: the broker's peak resident set, and its
  // anonymous part alone (mapped segment pages count as file-backed RSS, which the kernel can drop
  // at will).
  let hwm: { value: number; id: string } | null = null;
  let anon: { value: number; id: string } | null = null;
  type Memory = Pick<PhaseResult, 'brokerVmHwm' | 'brokerMemory'> | null;
  const runs: Array<{ id: string; p: Memory }> = cases.flatMap((c) =>
    [c.produce, c.consume].map((p) => ({ id: c.id, p })),
  );
  if (latency) runs.push({ id: 'latency run', p: latency });
  for (const { id, p } of runs) {
    if (p?.brokerVmHwm != null && (!hwm || p.brokerVmHwm > hwm.value)) hwm = { value: p.brokerVmHwm, id };
    const a = p?.brokerMemory?.rssAnon;
    if (a != null && (!anon || a > anon.value)) anon = { value: a, id };
  }

  return [
    check(
      'produce rate, 100 B, 1 partition, acks=1',
      '≥ 1.25 M records/s',
      1.25e6,
      true,
      produce?.[1].client?.recordsPerSec ?? null,
      millions,
      source(produce),
    ),
    check(
      'consume rate, 100 B, 1 partition',
      '≥ 4 M messages/s',
      4e6,
      true,
      consume?.[1].client?.recordsPerSec ?? null,
      millions,
      source(consume),
    ),
    check(
      'broker CPU per GB produced',
      '≤ 1.4 s/GB',
      1.4,
      false,
      produce?.[1].brokerCpuSecondsPerGb ?? null,
      fixed(2, ' s/GB'),
      source(produce),
    ),
    check(
      'broker CPU per GB consumed',
      '≤ 0.45 s/GB',
      0.45,
      false,
      consume?.[1].brokerCpuSecondsPerGb ?? null,
      fixed(2, ' s/GB'),
      source(consume),
    ),
    check(
      '1 KiB produce vs disk write bandwidth',
      '≥ 60%',
      0.6,
      true,
      produce1k?.[1].ratioToLimit ?? null,
      (v) => `${(v * 100).toFixed(0)}%`,
      source(produce1k),
    ),
    check(
      'end-to-end p99 at half the peak rate',
      '≤ 5 ms',
      5,
      false,
      latency?.endToEndLatencyMs?.p99 ?? null,
      fixed(2, ' ms'),
      latency ? `latency run at ${latency.targetRecordsPerSec} records/s` : 'no latency run',
    ),
    check(
      'broker peak RSS (VmHWM)',
      '≤ 150 MB',
      150e6,
      false,
      hwm?.value ?? null,
      mb,
      hwm?.id ?? 'no case ran',
    ),
    check(
      'broker peak anonymous RSS (file pages excluded)',
      '≤ 150 MB',
      150e6,
      false,
      anon?.value ?? null,
      mb,
      anon?.id ?? 'no case ran',
    ),
  ];
}

/** PERFORMANCE.md's cluster targets. */
export const FOLLOWER_CPU_TARGET_S_PER_GB = 0.6;
export const CLUSTER_RATE_TARGET_RATIO = 0.5;

/**
 * The cluster targets: every follower of every cluster case within the CPU per GB target (the
 * worst one is the figure), and the 1 KiB acks=all cluster case's produce rate at least half the
 * single-node acks=1 rate (kiln perf, same record size and partitions, no compression) from
 * `cases`, the same run's single-node results. Without that twin there is no verdict.
 */
export function evaluateClusterTargets(
  clusterCases: ClusterCaseResult[],
  cases: CaseResult[],
): TargetResult[] {
  const ok = clusterCases.filter((c) => !c.error && c.client);
  let worst: { value: number; source: string } | null = null;
  let followers = 0;
  for (const c of ok) {
    for (const b of c.brokers) {
      if (b.role !== 'follower' || b.cpuSecondsPerGb === null) continue;
      followers++;
      if (!worst || b.cpuSecondsPerGb > worst.value)
        worst = { value: b.cpuSecondsPerGb, source: `${c.id} broker ${b.brokerId}` };
    }
  }
  const followerTarget = check(
    'cluster: follower CPU per GB replicated (worst follower)',
    `≤ ${FOLLOWER_CPU_TARGET_S_PER_GB} s/GB`,
    FOLLOWER_CPU_TARGET_S_PER_GB,
    false,
    worst?.value ?? null,
    fixed(2, ' s/GB'),
    worst ? `${worst.source} (of ${followers} followers)` : 'no cluster case ran',
  );

  const name = 'cluster: RF=3 acks=all 1 KiB produce rate vs single node';
  const wanted = `≥ ${CLUSTER_RATE_TARGET_RATIO * 100}% of single node`;
  const cluster = ok.find((c) => c.recordSize === 1024 && c.acks === 'all' && c.replicationFactor === 3);
  if (!cluster?.client)
    return [followerTarget, check(name, wanted, 0, true, null, fixed(0), 'no such cluster case ran')];
  // PERFORMANCE.md: "half the single-node acks=1 rate of the same run".
  const twinId = caseId({
    client: 'kiln',
    recordSize: 1024,
    partitions: cluster.partitions,
    acks: '1',
    compression: 'none',
  });
  let twinRate: number | null = null;
  for (const c of cases) {
    const rate = c.id === twinId && !c.produce?.error ? c.produce?.client?.recordsPerSec : undefined;
    if (rate && rate > (twinRate ?? 0)) twinRate = rate;
  }
  if (twinRate === null) {
    const measured = `${Math.round(cluster.client.recordsPerSec).toLocaleString('en-US')} records/s; no baseline in this run`;
    return [
      followerTarget,
      {
        name,
        target: wanted,
        measured,
        value: null,
        met: null,
        source: `${cluster.id} (no ${twinId} case ran)`,
      },
    ];
  }
  return [
    followerTarget,
    check(
      name,
      wanted,
      CLUSTER_RATE_TARGET_RATIO,
      true,
      cluster.client.recordsPerSec / twinRate,
      (v) => `${(v * 100).toFixed(0)}%`,
      `${cluster.id} vs ${twinId}`,
    ),
  ];
}
