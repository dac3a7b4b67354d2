/**
 * The chaos run's random numbers: mulberry32, a small 32-bit generator, seeded from --seed, so the
 * same seed gives the same fault kinds, durations and target picks.
 */

export class SeededRandom {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** A number in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.next() * items.length)]!;
  }
}

/** The element of `items` that a pick number in [0, 1) names (targets chosen while running). */
export function pickWith<T>(items: readonly T[], pick: number): T | undefined {
  return items[Math.min(items.length - 1, Math.floor(pick * items.length))];
}
