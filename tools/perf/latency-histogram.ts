/**
 * A log-linear latency histogram (HDR-like) with fixed buckets: recording a value allocates
 * nothing, so the load generators can record every record's latency.
 *
 * Buckets: each power of two from 2^-10 ms (~1 µs) up to 2^22 ms (~70 min: past the hour the
 * consumer accepts as an end-to-end latency) is split into 64 equal sub-buckets, so a bucket is at
 * most 1/64 (1.6%) of its values wide and a percentile read at the bucket's midpoint is within
 * 0.8% of the true one. The bucket index comes straight from the bits of the float64: the exponent
 * picks the octave and the top 6 mantissa bits the sub-bucket.
 * Values below the range land in the first bucket, values above it in the last; count, sum (for
 * the mean), min and max are kept exactly.
 */

const SUB_BUCKET_BITS = 6;
const SUB_BUCKETS = 1 << SUB_BUCKET_BITS;
/** The lowest and highest octave: 2^-10 ms .. 2^22 ms. */
const MIN_EXPONENT = -10;
const MAX_EXPONENT = 21;
const OCTAVES = MAX_EXPONENT - MIN_EXPONENT + 1;
const BUCKETS = OCTAVES * SUB_BUCKETS;
/** IEEE 754 double: exponent bias, and where the 20 mantissa bits of the high word end. */
const EXPONENT_BIAS = 1023;
const MANTISSA_HIGH_BITS = 20;
export const HISTOGRAM_MIN_MS = 2 ** MIN_EXPONENT;
export const HISTOGRAM_MAX_MS = 2 ** (MAX_EXPONENT + 1);

/** Scratch for reading a double's bits; the high 32-bit word's index depends on the platform. */
const scratch = new Float64Array(1);
const scratchWords = new Uint32Array(scratch.buffer);
const HIGH_WORD = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;

export interface LatencySummary {
  avg: number;
  p50: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
}

export class LatencyHistogram {
  private readonly counts = new Uint32Array(BUCKETS);
  private total = 0;
  private sum = 0;
  private minValue = Infinity;
  private maxValue = -Infinity;

  get count(): number {
    return this.total;
  }
  get mean(): number {
    return this.total === 0 ? 0 : this.sum / this.total;
  }
  get min(): number {
    return this.total === 0 ? 0 : this.minValue;
  }
  get max(): number {
    return this.total === 0 ? 0 : this.maxValue;
  }

  /** Records one latency in milliseconds (negative values count as 0). */
  record(ms: number): void {
    const value = ms > 0 ? ms : 0;
    this.counts[bucketOf(value)]!++;
    this.total++;
    this.sum += value;
    if (value < this.minValue) this.minValue = value;
    if (value > this.maxValue) this.maxValue = value;
  }

  /**
   * The value at percentile `p` (0-100), nearest-rank: the smallest recorded value with at least
   * p% of the values at or below it, to within the bucket's precision. 0 when empty.
   */
  percentile(p: number): number {
    if (this.total === 0) return 0;
    const rank = Math.max(1, Math.ceil((p / 100) * this.total));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) {
        // The last bucket also holds everything above the range: the exact max says more.
        if (i === BUCKETS - 1) return this.maxValue;
        const mid = (bucketLowerBound(i) + bucketLowerBound(i + 1)) / 2;
        return Math.min(Math.max(mid, this.minValue), this.maxValue);
      }
    }
    return this.maxValue;
  }

  summary(): LatencySummary {
    return {
      avg: this.mean,
      p50: this.percentile(50),
      p95: this.percentile(95),
      p99: this.percentile(99),
      p999: this.percentile(99.9),
      max: this.max,
    };
  }
}

/** The bucket of a value >= 0 (ms). */
export function bucketOf(ms: number): number {
  if (ms < HISTOGRAM_MIN_MS) return 0;
  if (ms >= HISTOGRAM_MAX_MS) return BUCKETS - 1;
  scratch[0] = ms;
  const high = scratchWords[HIGH_WORD]!;
  const exponent = (high >>> MANTISSA_HIGH_BITS) - EXPONENT_BIAS;
  const sub = (high >>> (MANTISSA_HIGH_BITS - SUB_BUCKET_BITS)) & (SUB_BUCKETS - 1);
  return ((exponent - MIN_EXPONENT) << SUB_BUCKET_BITS) | sub;
}

/** The smallest value of bucket `index` (for index = BUCKETS, the end of the range). */
export function bucketLowerBound(index: number): number {
  const octave = Math.floor(index / SUB_BUCKETS);
  const sub = index % SUB_BUCKETS;
  return 2 ** (octave + MIN_EXPONENT) * (1 + sub / SUB_BUCKETS);
}
