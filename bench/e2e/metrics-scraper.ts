/**
 * `--metrics-cost`: while a case runs with the admin listener on, /metrics is read every
 * SCRAPE_INTERVAL_MS, as a Prometheus server scraping the broker would (its default is 15 s;
 * every second is a harsher load). The scrapes' work lands in the broker's CPU figures, which is
 * the point: the comparison with the listener off is the whole cost of metrics, counting and
 * serving both.
 */
export const SCRAPE_INTERVAL_MS = 1000;

export class MetricsScraper {
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> = Promise.resolve();
  scrapes = 0;
  failures = 0;
  bytes = 0;

  constructor(private readonly adminUrl: string) {}

  start(): this {
    this.timer = setInterval(() => {
      this.inFlight = this.scrape();
    }, SCRAPE_INTERVAL_MS);
    return this;
  }

  private async scrape(): Promise<void> {
    try {
      const res = await fetch(`${this.adminUrl}/metrics`, {
        signal: AbortSignal.timeout(SCRAPE_INTERVAL_MS * 5),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      this.scrapes++;
      this.bytes += text.length;
    } catch {
      this.failures++;
    }
  }

  /** Stops scraping once the scrape under way, if any, has ended. */
  async stop(): Promise<{ scrapes: number; failures: number; bytes: number }> {
    clearInterval(this.timer);
    await this.inFlight;
    return { scrapes: this.scrapes, failures: this.failures, bytes: this.bytes };
  }
}
