import fs from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  ClusterView,
  GroupView,
  TopicSummary,
  TopicView,
} from '../../../../server/admin/api/admin-api-types.js';
import { kilnPackageRoot } from '../../../../server/config/kiln-version.js';
import { startBroker, type RunningBroker } from '../../../helpers/broker-fixture.js';
import { waitFor } from '../../../helpers/wait-for.js';
import {
  drawn,
  freshDraw,
  readRows,
  shownValue,
  startConsuming,
  startProducing,
  titled,
  type Load,
} from './dashboard-load.js';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = path.join(kilnPackageRoot(), 'test-output', 'dashboard');
const TOPIC = 'dash-orders';
const COMPACTED = 'dash-compacted';
const READERS = 'dash-readers';
const LAGGING = 'dash-lagging';

/**
 * The dashboard in a real browser (Debian's Chromium driven by playwright-core) against a real
 * broker under load: a producer sends all along, a group reads and commits. Each view's numbers
 * are checked against the admin API read just before and just after the page drew them (under
 * load they can only lie between), and, once the load stops, exactly against the Kafka protocol.
 * Screenshots go to test-output/dashboard/.
 */
describe('dashboard in Chromium', () => {
  let kiln: RunningBroker;
  let base: string;
  let kafka: Kafka;
  let admin: Admin;
  let producing: Load;
  let consuming: Load;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  async function api<T>(route: string): Promise<T> {
    const res = await fetch(`${base}/api/${route}`);
    expect(res.status, route).toBe(200);
    return (await res.json()) as T;
  }
  const shot = (name: string) => page.screenshot({ path: path.join(SCREENSHOTS, name), fullPage: true });

  beforeAll(async () => {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run npm run test:deps`);
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    kiln = await startBroker({
      'kiln.admin.listener': 'http://127.0.0.1:0',
      // Small segments so a partition has several; retention checks and the cleaner wait, so
      // the segments past retention.bytes stay on the map as expired and compacted ones stay dirty.
      'log.segment.bytes': '16384',
      'log.retention.check.interval.ms': '3600000',
      'log.cleaner.enable': 'false',
      'offsets.topic.num.partitions': '2',
    });
    base = `http://127.0.0.1:${kiln.broker.adminPort!}`;
    kafka = new Kafka({ clientId: 'dashboard-test', brokers: [kiln.bootstrap], logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic: TOPIC, numPartitions: 3, configEntries: [{ name: 'retention.bytes', value: '40000' }] },
        { topic: COMPACTED, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
      ],
    });
    producing = await startProducing(kafka, [TOPIC, COMPACTED]);
    consuming = await startConsuming(kafka, READERS, TOPIC);
    // A group with no members that committed offset 0 everywhere: its lag is the high watermark.
    await admin.setOffsets({
      groupId: LAGGING,
      topic: TOPIC,
      partitions: [0, 1, 2].map((partition) => ({ partition, offset: '0' })),
    });
    browser = await chromium.launch({ executablePath: CHROMIUM });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error') pageErrors.push(msg.text());
    });
  });

  afterAll(async () => {
    await browser?.close();
    await consuming?.stop().catch(() => undefined);
    await producing?.stop().catch(() => undefined);
    await admin?.disconnect();
    await kiln?.stop();
  });

  it('shows the brokers, the controller and the partitions, and throughput while load runs', async () => {
    await page.goto(`${base}/`);
    await drawn(page, 'overview');
    const before = await api<ClusterView>('cluster');
    await freshDraw(page);
    const brokers = await readRows(page.getByTestId('broker-row'));
    expect(brokers.map((b) => Number(b['broker-id']))).toEqual(before.brokers.map((b) => b.id));
    expect(await shownValue(page, 'controller-id')).toBe(before.controllerId);
    expect(await page.getByTestId('controller-badge').count()).toBe(1);
    expect(await page.getByTestId('cluster-id').textContent()).toBe(before.clusterId);
    expect(await shownValue(page, 'partitions-total')).toBe(before.partitions.total);
    expect(await shownValue(page, 'partitions-offline')).toBe(0);
    expect(before.partitions.total).toBe(3 + 1 + 2);

    // The producer and the consumer run: bytes in and out per second become nonzero.
    await page.waitForFunction(
      `['rate-bytes-in', 'rate-bytes-out'].every((id) =>
        Number(document.querySelector('[data-testid="' + id + '"]')?.getAttribute('data-value')) > 0)`,
      undefined,
      { timeout: 30_000 },
    );
    const topicRates = await readRows(page.getByTestId('topic-rate-row'));
    expect(topicRates.map((r) => r.topic)).toEqual(expect.arrayContaining([TOPIC, COMPACTED]));
    expect(await page.locator('[data-testid="chart-throughput"] polyline').count()).toBe(2);
    await shot('overview.png');
  });

  it('lists the topics and opens one: partitions, offsets and segment maps as the broker reports them', async () => {
    await page.getByTestId('nav-topics').click();
    await drawn(page, 'topics');
    const topics = await api<TopicSummary[]>('topics');
    await freshDraw(page);
    const rows = await readRows(page.getByTestId('topic-row'), ['topic-partitions']);
    expect(rows.map((r) => r.topic)).toEqual(topics.map((t) => t.name));
    expect(rows.map((r) => Number(r['topic-partitions']))).toEqual(topics.map((t) => t.partitions));
    await shot('topics.png');

    await page.locator(`[data-testid="topic-row"][data-topic="${TOPIC}"] [data-testid="topic-link"]`).click();
    await titled(page, TOPIC);
    expect(page.url()).toBe(`${base}/#/topics/${TOPIC}`);
    // Wait for the segments past retention.bytes, so the map has a retention line with both sides.
    await waitFor(
      async () =>
        (await api<TopicView>(`topics/${TOPIC}`)).partitionViews.every((p) =>
          p.segments!.some((s) => s.expired),
        ),
      {
        timeoutMs: 60_000,
        intervalMs: 200,
        what: 'expired segments in every partition',
      },
    );
    const before = await api<TopicView>(`topics/${TOPIC}`);
    await freshDraw(page);
    const partitions = await readRows(page.getByTestId('partition-row'), [
      'leader',
      'replicas',
      'isr',
      'log-start-offset',
      'high-watermark',
      'log-end-offset',
      'segment-count',
    ]);
    const maps = await page
      .getByTestId('segment-map')
      .evaluateAll((els) =>
        els.map((el) =>
          Array.from(el.children as ArrayLike<{ getAttribute(name: string): string | null }>).map((child) =>
            child.getAttribute('data-testid') === 'retention-line'
              ? 'line'
              : `${child.getAttribute('data-base-offset')}:${child.getAttribute('data-expired')}`,
          ),
        ),
      );
    const after = await api<TopicView>(`topics/${TOPIC}`);
    expect(await page.getByTestId('view-title').textContent()).toBe(TOPIC);
    expect(partitions.map((p) => Number(p.partition))).toEqual([0, 1, 2]);
    for (const [i, shown] of partitions.entries()) {
      const [a, b] = [before.partitionViews[i]!, after.partitionViews[i]!];
      expect(shown.leader).toBe(String(b.leader));
      expect(shown.replicas).toBe(b.replicas.join(', '));
      expect(shown.isr).toBe(b.isr.join(', '));
      expect(Number(shown['log-start-offset'])).toBe(b.logStartOffset);
      for (const [cell, field] of [
        ['high-watermark', 'highWatermark'],
        ['log-end-offset', 'logEndOffset'],
      ] as const) {
        expect(Number(shown[cell])).toBeGreaterThanOrEqual(a[field]!);
        expect(Number(shown[cell])).toBeLessThanOrEqual(b[field]!);
      }
      const segments = Number(shown['segment-count']);
      expect(segments).toBeGreaterThanOrEqual(a.segments!.length);
      expect(segments).toBeLessThanOrEqual(b.segments!.length);
      // The map: one block per segment, oldest first, the retention line after the expired ones.
      const map = maps[i]!;
      expect(map.filter((x) => x !== 'line')).toHaveLength(segments);
      expect(map.filter((x) => x === 'line')).toHaveLength(1);
      const line = map.indexOf('line');
      expect(map.slice(0, line).every((x) => x.endsWith(':true'))).toBe(true);
      expect(map.slice(line + 1).every((x) => x.endsWith(':false'))).toBe(true);
      expect(line).toBeGreaterThan(0);
      expect(map[0]).toBe(`${b.segments![0]!.baseOffset}:true`);
    }
    const firstTitle = await page.getByTestId('segment').first().getAttribute('title');
    expect(firstTitle).toMatch(/^offsets 0–\d/);
    expect(await page.locator('[data-testid="segment"][data-active="true"]').count()).toBe(3);
    await shot('topic.png');

    // The compacted topic: its segments are dirty (the cleaner is off), and no retention line.
    await page.goto(`${base}/#/topics/${COMPACTED}`);
    await titled(page, COMPACTED);
    expect(await page.locator('[data-testid="segment"][data-compaction="dirty"]').count()).toBeGreaterThan(0);
    expect(await page.locator('[data-testid="segment"][data-compaction="none"]').count()).toBe(0);
    expect(await page.getByTestId('retention-line').count()).toBe(0);
    await shot('topic-compacted.png');
  });

  it('lists the groups and opens them: members, assignments, committed offsets and lag', async () => {
    await page.getByTestId('nav-groups').click();
    await drawn(page, 'groups');
    await waitFor(async () => (await api<GroupView>(`groups/${READERS}`)).state === 'Stable', {
      timeoutMs: 30_000,
      what: `${READERS} stable`,
    });
    await freshDraw(page);
    const groups = await readRows(page.getByTestId('group-row'), ['group-state', 'group-members']);
    expect(groups.map((g) => g.group)).toEqual([LAGGING, READERS]);
    expect(groups.find((g) => g.group === READERS)).toMatchObject({
      'group-state': 'Stable',
      'group-members': '1',
    });
    expect(groups.find((g) => g.group === LAGGING)).toMatchObject({
      'group-state': 'Empty',
      'group-members': '0',
    });
    await shot('groups.png');

    await page
      .locator(`[data-testid="group-row"][data-group="${READERS}"] [data-testid="group-link"]`)
      .click();
    await titled(page, READERS);
    const before = await api<GroupView>(`groups/${READERS}`);
    await freshDraw(page);
    const members = await readRows(page.getByTestId('member-row'), ['member-assignment']);
    const offsets = await readRows(page.getByTestId('offset-row'), ['committed', 'lag']);
    const after = await api<GroupView>(`groups/${READERS}`);
    expect(members.map((m) => m.member)).toEqual(after.memberViews.map((m) => m.memberId));
    expect(members[0]!['member-assignment']).toBe(`${TOPIC}: 0, 1, 2`);
    expect(offsets.map((o) => `${o.topic}/${o.partition}`)).toEqual(
      after.offsets.map((o) => `${o.topic}/${o.partition}`),
    );
    for (const [i, shown] of offsets.entries()) {
      expect(Number(shown.committed)).toBeGreaterThanOrEqual(before.offsets[i]!.committed);
      expect(Number(shown.committed)).toBeLessThanOrEqual(after.offsets[i]!.committed);
      expect(Number(shown.lag)).toBeGreaterThanOrEqual(0);
    }
    await shot('group.png');

    // The group that stays at offset 0: its lag is each partition's high watermark, growing.
    await page.getByTestId('nav-groups').click();
    await drawn(page, 'groups');
    await page
      .locator(`[data-testid="group-row"][data-group="${LAGGING}"] [data-testid="group-link"]`)
      .click();
    await titled(page, LAGGING);
    const lagBefore = await api<GroupView>(`groups/${LAGGING}`);
    await freshDraw(page);
    const lags = await readRows(page.getByTestId('offset-row'), ['committed', 'lag']);
    const lagAfter = await api<GroupView>(`groups/${LAGGING}`);
    expect(lags).toHaveLength(3);
    for (const [i, shown] of lags.entries()) {
      expect(shown.committed).toBe('0');
      expect(Number(shown.lag)).toBeGreaterThanOrEqual(lagBefore.offsets[i]!.lag);
      expect(Number(shown.lag)).toBeLessThanOrEqual(lagAfter.offsets[i]!.lag);
      expect(Number(shown.lag)).toBeGreaterThan(0);
    }
    // The lag chart has drawn the history polled so far.
    await freshDraw(page);
    const points = await page.locator('[data-testid="chart-lag"] polyline').first().getAttribute('points');
    expect(points!.split(' ').length).toBeGreaterThan(1);
    await shot('group-lagging.png');
  });

  it('matches the Kafka protocol exactly once the load stops', async () => {
    await producing.stop();
    const hws = await admin.fetchTopicOffsets(TOPIC);
    await waitFor(async () => (await api<GroupView>(`groups/${READERS}`)).totalLag === 0, {
      timeoutMs: 30_000,
      what: `${READERS} caught up`,
    });
    await consuming.stop();
    const committed = await admin.fetchOffsets({ groupId: LAGGING, topics: [TOPIC] });
    expect(committed[0]!.partitions.map((p) => p.offset)).toEqual(['0', '0', '0']);

    await freshDraw(page);
    const lags = await readRows(page.getByTestId('offset-row'), ['offset-high-watermark', 'lag']);
    for (const shown of lags) {
      const hw = hws.find((p) => p.partition === Number(shown.partition))!.high;
      expect(shown['offset-high-watermark']).toBe(hw);
      expect(shown.lag).toBe(hw);
    }
    expect(await shownValue(page, 'group-total-lag')).toBe(hws.reduce((sum, p) => sum + Number(p.high), 0));

    await page.goto(`${base}/#/topics/${TOPIC}`);
    await titled(page, TOPIC);
    await freshDraw(page);
    const partitions = await readRows(page.getByTestId('partition-row'), [
      'high-watermark',
      'log-end-offset',
    ]);
    for (const shown of partitions) {
      const hw = hws.find((p) => p.partition === Number(shown.partition))!.high;
      expect(shown['high-watermark']).toBe(hw);
      expect(shown['log-end-offset']).toBe(hw);
    }
    expect(pageErrors).toEqual([]);
  });
});
