// What the dashboard's browser test drives: load on a broker through kafkajs (a producer sending
// without pause, a consumer group reading and committing), and readers of what the page shows
// (through its data-testid and data-* attributes, never its formatted text).
import type { Kafka } from 'kafkajs';
import type { Locator, Page } from 'playwright-core';

export interface Load {
  /** Messages acknowledged so far. */
  sent(): number;
  stop(): Promise<void>;
}

/** Sends batches of `batch` keyed messages to each topic in turn until stopped. */
export async function startProducing(kafka: Kafka, topics: string[], batch = 20): Promise<Load> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  let running = true;
  let sent = 0;
  let failure: unknown;
  const loop = (async () => {
    for (let round = 0; running; round++) {
      for (const topic of topics) {
        const messages = Array.from({ length: batch }, (_, i) => ({
          key: `key-${(round * batch + i) % 97}`,
          value: `round ${round} message ${i} `.padEnd(200, '.'),
        }));
        await producer.send({ topic, messages, acks: -1 });
        sent += batch;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })().catch((err: unknown) => {
    failure = err;
  });
  return {
    sent: () => sent,
    async stop() {
      running = false;
      await loop;
      await producer.disconnect();
      if (failure) throw failure;
    },
  };
}

/** A consumer group member reading `topic` from the start, committing every 300 ms. */
export async function startConsuming(kafka: Kafka, groupId: string, topic: string): Promise<Load> {
  const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 500 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let read = 0;
  await consumer.run({
    autoCommitInterval: 300,
    eachMessage: async () => {
      read++;
    },
  });
  return {
    sent: () => read,
    async stop() {
      await consumer.disconnect();
    },
  };
}

/** How many times the page has drawn its view (app.js counts them on <body data-refreshes>). */
export async function refreshes(page: Page): Promise<number> {
  return Number((await page.locator('body').getAttribute('data-refreshes')) ?? '0');
}

/**
 * Waits until the page has drawn twice more: the second of those draws read the API after this
 * call began (the poll is sequential), so what the page shows then is no older than a reading the
 * caller took before calling.
 */
export async function freshDraw(page: Page): Promise<void> {
  const seen = await refreshes(page);
  await page.waitForFunction(`Number(document.body.dataset.refreshes) >= ${seen + 2}`, undefined, {
    timeout: 20_000,
  });
}

/** Waits for the page to have drawn `route` (app.js sets <body data-route>). */
export async function drawn(page: Page, route: string): Promise<void> {
  await page.waitForFunction(`document.body.dataset.route === ${JSON.stringify(route)}`, undefined, {
    timeout: 20_000,
  });
}

/** Waits for the page to show the view titled `title` (a topic's or a group's page). */
export async function titled(page: Page, title: string): Promise<void> {
  await page.waitForFunction(
    `document.querySelector('[data-testid="view-title"]')?.textContent === ${JSON.stringify(title)}`,
    undefined,
    { timeout: 20_000 },
  );
}

export type Row = Record<string, string | null>;

/**
 * Each element matched by `rows`: its data-* attributes and, for each testid in `cells`, the
 * data-value of the cell with that testid (or its text when it has none), in one read so every
 * value comes from the same draw.
 */
export async function readRows(rows: Locator, cells: string[] = []): Promise<Row[]> {
  return rows.evaluateAll(
    (elements, names) =>
      elements.map((el) => {
        const row: Record<string, string | null> = {};
        for (const attr of Array.from(el.attributes) as { name: string; value: string }[]) {
          if (attr.name.startsWith('data-')) row[attr.name.slice(5)] = attr.value;
        }
        for (const name of names) {
          const cell = el.querySelector(`[data-testid="${name}"]`);
          row[name] = cell ? (cell.getAttribute('data-value') ?? cell.textContent) : null;
        }
        return row;
      }),
    cells,
  );
}

/** The number a stat (or any element) carries in data-value. */
export async function shownValue(page: Page, testid: string): Promise<number> {
  return Number(await page.getByTestId(testid).getAttribute('data-value'));
}
