/**
 * A metric whose values are read from the broker's own numbers when /metrics is scraped. prom-client
 * renders any registered object with a name, help, type and get() (the shape of its own metrics);
 * this is that, so counters kept as plain numbers are exported as they are, with no labelled
 * inc() per request and no label hashing between scrapes. Histograms are written out as their
 * bucket lines (cumulative, `le` labels), sum and count.
 */
import type { Metric, Registry } from 'prom-client';

export type Labels = Record<string, string | number>;

export interface Sample {
  labels: Labels;
  value: number;
  /** The line's own name (a histogram's _bucket, _sum, _count); the metric's when absent. */
  metricName?: string;
}

type MetricType = 'counter' | 'gauge' | 'histogram';

export class ScrapeMetric {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: MetricType,
    private readonly read: (out: Sample[]) => void,
  ) {}

  /** Called by prom-client at scrape time. */
  get(): { name: string; help: string; type: MetricType; values: Sample[]; aggregator: 'sum' } {
    const values: Sample[] = [];
    this.read(values);
    return { name: this.name, help: this.help, type: this.type, values, aggregator: 'sum' };
  }
}

/** Registers metrics made here (prom-client accepts any object of its metrics' shape). */
export function registerAll(registry: Registry, metrics: readonly ScrapeMetric[]): void {
  for (const metric of metrics) registry.registerMetric(metric as unknown as Metric);
}

/**
 * Writes one histogram's lines: `counts` holds each bucket's own count (the last for +Inf) from
 * `offset`, `bounds` the buckets' upper bounds.
 */
export function histogramSamples(
  out: Sample[],
  name: string,
  labels: Labels,
  bounds: readonly number[],
  counts: Float64Array,
  offset: number,
  sum: number,
): void {
  let cumulative = 0;
  for (let i = 0; i <= bounds.length; i++) {
    cumulative += counts[offset + i]!;
    const le = i < bounds.length ? String(bounds[i]) : '+Inf';
    out.push({ metricName: `${name}_bucket`, labels: { ...labels, le }, value: cumulative });
  }
  out.push({ metricName: `${name}_sum`, labels, value: sum });
  out.push({ metricName: `${name}_count`, labels, value: cumulative });
}
