/**
 * How long each partition had no serving leader during the run, sampled with Metadata every
 * `intervalMs` from a broker that answers (the last controller first). A partition counts as
 * leaderless for the time since the previous sample if the answer gives it no leader (-1) or gives
 * a leader that is not serving: killed, or paused (SIGSTOP) — clients cannot reach it then either.
 * Time when no broker answered is counted apart (unobserved), not as leaderless.
 */
import type { ChaosCluster, TopicLayout } from './chaos-cluster.js';

export interface LeaderlessFigure {
  /** `<topic>/<partition>`. */
  partition: string;
  seconds: number;
  /** The longest stretch without a leader. */
  longestSeconds: number;
}

export interface LeaderlessFigures {
  partitions: LeaderlessFigure[];
  /** Time no broker answered Metadata (so nobody could tell). */
  unobservedSeconds: number;
  samples: number;
}

interface Tally {
  seconds: number;
  longest: number;
  /** Leaderless since (ms), or null while led. */
  since: number | null;
}

export class LeaderSampler {
  private readonly tallies = new Map<string, Tally>();
  private unobservedMs = 0;
  private samples = 0;
  private last: number | null = null;
  private controller: number | undefined;
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly cluster: ChaosCluster,
    private readonly layout: TopicLayout,
    private readonly intervalMs = 250,
  ) {
    for (const topic of layout.names) {
      for (let p = 0; p < layout.partitions; p++) {
        this.tallies.set(`${topic}/${p}`, { seconds: 0, longest: 0, since: null });
      }
    }
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        const started = performance.now();
        await this.sample();
        const wait = this.intervalMs - (performance.now() - started);
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /** One sample; public for tests. */
  async sample(): Promise<void> {
    const view = await this.cluster.metadataFromAny(this.layout.names, this.controller);
    const now = performance.now();
    const dt = this.last === null ? 0 : now - this.last;
    this.last = now;
    if (!view) {
      this.unobservedMs += dt;
      return;
    }
    this.samples++;
    if (view.controllerId >= 0) this.controller = view.controllerId;
    const led = new Set<string>();
    for (const p of view.partitions) {
      const serving = p.leader >= 0 && this.cluster.nodes.get(p.leader)?.state === 'up';
      if (serving) led.add(`${p.topic}/${p.partition}`);
    }
    for (const [name, tally] of this.tallies) {
      if (led.has(name)) {
        tally.since = null;
        continue;
      }
      tally.seconds += dt / 1000;
      tally.since ??= now - dt;
      tally.longest = Math.max(tally.longest, (now - tally.since) / 1000);
    }
  }

  figures(): LeaderlessFigures {
    return {
      partitions: [...this.tallies].map(([partition, t]) => ({
        partition,
        seconds: round(t.seconds),
        longestSeconds: round(t.longest),
      })),
      unobservedSeconds: round(this.unobservedMs / 1000),
      samples: this.samples,
    };
  }
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
