import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidConfigError, LogDirLockedError } from '../../../engine/errors.js';
import { CLEAN_SHUTDOWN_FILE, LogManager } from '../../../engine/log/log-manager.js';
import { buildBatch } from '../../../engine/record/batch-builder.js';
import { batchOf, decodeRecords } from '../../helpers/log-fixtures.js';
import { waitFor } from '../../helpers/wait-for.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';

describe('LogManager', () => {
  let root: string;
  let dirs: string[];
  const open = (extra: Partial<Parameters<typeof LogManager.open>[0]> = {}): LogManager =>
    LogManager.open({
      dirs,
      retentionCheckIntervalMs: 0,
      flushCheckIntervalMs: 0,
      checkpointIntervalMs: 0,
      ...extra,
    });

  beforeEach(() => {
    root = makeTempDir();
    dirs = [path.join(root, 'a'), path.join(root, 'b')];
  });
  afterEach(() => removeTempDir(root));

  it('creates logs across the data directories and finds them again after a restart', async () => {
    const manager = open();
    for (let p = 0; p < 4; p++) manager.getOrCreateLog('orders', p).append(batchOf(p + 1, `p${p}`));
    expect(fs.readdirSync(dirs[0]!).filter((d) => d.startsWith('orders-'))).toHaveLength(2);
    expect(fs.readdirSync(dirs[1]!).filter((d) => d.startsWith('orders-'))).toHaveLength(2);
    manager.close();
    for (const dir of dirs) expect(fs.existsSync(path.join(dir, CLEAN_SHUTDOWN_FILE))).toBe(true);

    const again = open();
    for (const dir of dirs) expect(fs.existsSync(path.join(dir, CLEAN_SHUTDOWN_FILE))).toBe(false);
    for (let p = 0; p < 4; p++) {
      const log = again.getLog('orders', p)!;
      expect(log.logEndOffset).toBe(p + 1);
      expect(decodeRecords((await log.read(0, 1 << 20)).records)[0]!.key).toBe(`p${p}-k0`);
    }
    again.close();
  });

  it('locks its directories against a second manager', () => {
    const manager = open();
    expect(() => open()).toThrow(LogDirLockedError);
    manager.close();
    open().close();
  });

  it("checkpoints the recovery point and log start offset in Kafka's format", () => {
    const manager = open({ dirs: [dirs[0]!] });
    const log = manager.getOrCreateLog('my-topic', 7);
    for (let i = 0; i < 5; i++) log.append(batchOf(2));
    log.deleteRecordsBefore(4);
    log.flush();
    manager.checkpoint();
    expect(fs.readFileSync(path.join(dirs[0]!, 'recovery-point-offset-checkpoint'), 'utf8')).toBe(
      '0\n1\nmy-topic 7 10\n',
    );
    expect(fs.readFileSync(path.join(dirs[0]!, 'log-start-offset-checkpoint'), 'utf8')).toBe(
      '0\n1\nmy-topic 7 4\n',
    );
    manager.close();
    const again = open({ dirs: [dirs[0]!] });
    expect(again.getLog('my-topic', 7)!.logStartOffset).toBe(4);
    again.close();
  });

  it('flushes rolled segments before its periodic checkpoint, so the checkpoint moves past them', async () => {
    const manager = open({ dirs: [dirs[0]!], topicConfigs: { rolled: { 'segment.bytes': '600' } } });
    const log = manager.getOrCreateLog('rolled', 0);
    for (let i = 0; i < 10; i++) log.append(batchOf(3));
    const active = log.segments().at(-1)!.baseOffset;
    expect(active).toBeGreaterThan(0);
    await manager.flushRolledAndCheckpoint();
    const text = fs.readFileSync(path.join(dirs[0]!, 'recovery-point-offset-checkpoint'), 'utf8');
    expect(text).toBe(`0\n1\nrolled 0 ${active}\n`);
    manager.close();
  });

  it('recovers after a crash (no clean-shutdown marker) from the checkpointed recovery point', () => {
    const manager = open({ dirs: [dirs[0]!] });
    const log = manager.getOrCreateLog('t', 0);
    log.append(batchOf(3));
    // A crash: the lock and the marker stay as a dead process would leave them.
    fs.writeFileSync(path.join(dirs[0]!, '.lock'), '999999\n');
    const segment = fs.readdirSync(log.dir).find((f) => f.endsWith('.log'))!;
    fs.appendFileSync(path.join(log.dir, segment), Buffer.alloc(30, 7));
    const said: string[] = [];
    const again = open({ dirs: [dirs[0]!], log: (m) => said.push(m) });
    expect(again.getLog('t', 0)!.logEndOffset).toBe(3);
    expect(said.join('\n')).toMatch(/cut by 30 bytes/);
    again.close();
  });

  it('applies per-topic overrides on top of the defaults and rejects bad ones', () => {
    const manager = open({
      topicConfigs: { compacted: { 'cleanup.policy': 'compact', 'segment.bytes': '2048' } },
    });
    expect(manager.getOrCreateLog('compacted', 0).config.cleanupPolicy).toBe('compact');
    expect(manager.getOrCreateLog('plain', 0).config.cleanupPolicy).toBe('delete');
    manager.setTopicConfig('plain', { 'retention.ms': '1000' });
    expect(manager.getLog('plain', 0)!.config.retentionMs).toBe(1000);
    expect(() => manager.setTopicConfig('plain', { 'retention.ms': 'soon' })).toThrow(InvalidConfigError);
    expect(manager.getLog('plain', 0)!.config.retentionMs).toBe(1000);
    manager.close();
    expect(() => open({ topicConfigs: { x: { 'segment.bytes': '1' } } })).toThrow(InvalidConfigError);
    open().close(); // the failed open released its locks
  });

  it('runs retention over every log', () => {
    const manager = open({ topicConfigs: { short: { 'retention.ms': '1000', 'segment.bytes': '500' } } });
    const log = manager.getOrCreateLog('short', 0);
    for (let i = 0; i < 10; i++) log.append(batchOf(3, 'x', 1_000));
    expect(manager.runRetention(1_000_000)).toBeGreaterThan(0);
    expect(log.logStartOffset).toBe(30);
    manager.close();
  });

  it('deletes a log with its directory', () => {
    const manager = open();
    const log = manager.getOrCreateLog('gone', 0);
    log.append(batchOf(1));
    expect(manager.deleteLog('gone', 0)).toBe(true);
    expect(fs.existsSync(log.dir)).toBe(false);
    expect(manager.getLog('gone', 0)).toBeUndefined();
    manager.close();
  });

  it('opens thousands of partitions written by a previous run', () => {
    const manager = open({ dirs: [dirs[0]!] });
    const batch = batchOf(1);
    for (let p = 0; p < 2000; p++) manager.getOrCreateLog('many', p).append(Buffer.from(batch));
    manager.close();
    const again = open({ dirs: [dirs[0]!] });
    expect([...again.allLogs()]).toHaveLength(2000);
    expect(again.getLog('many', 1999)!.logEndOffset).toBe(1);
    again.close();
  });
  it('a failing checkpoint timer is reported and retried, never an unhandled rejection', async () => {
    const said: string[] = [];
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown): void => void rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    try {
      const manager = open({ checkpointIntervalMs: 10, log: (message) => said.push(message) });
      manager.getOrCreateLog('t', 0).append(batchOf(3));
      // The checkpoint file cannot be replaced: a non-empty directory stands where it goes.
      const blocker = path.join(dirs[0]!, 'recovery-point-offset-checkpoint');
      fs.rmSync(blocker, { force: true });
      fs.mkdirSync(path.join(blocker, 'x'), { recursive: true });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(said.filter((m) => m.includes('checkpoint failed, retrying'))).toHaveLength(1);
      fs.rmSync(blocker, { recursive: true });
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(said.some((m) => m.includes('checkpoint works again'))).toBe(true);
      manager.close();
      expect(rejections).toEqual([]);
    } finally {
      process.off('unhandledRejection', onRejection);
    }
  });

  it('a stop that cannot write its checkpoints still releases the locks and leaves no clean marker', () => {
    const said: string[] = [];
    const manager = open({ log: (message) => said.push(message) });
    manager.getOrCreateLog('t', 0).append(batchOf(3));
    fs.mkdirSync(path.join(dirs[0]!, 'recovery-point-offset-checkpoint', 'x'), { recursive: true });
    expect(() => manager.close()).not.toThrow();
    expect(said.some((m) => m.includes('writing checkpoints failed'))).toBe(true);
    for (const dir of dirs) expect(fs.existsSync(path.join(dir, CLEAN_SHUTDOWN_FILE))).toBe(false);
    for (const dir of dirs) expect(fs.existsSync(path.join(dir, '.lock'))).toBe(false);
    fs.rmSync(path.join(dirs[0]!, 'recovery-point-offset-checkpoint'), { recursive: true });
    const again = open();
    expect(again.getLog('t', 0)!.logEndOffset).toBe(3);
    again.close();
  });
  it('one log whose retention fails does not keep the others from theirs', () => {
    const manager = open();
    const broken = manager.getOrCreateLog('a', 0);
    const fine = manager.getOrCreateLog('b', 0);
    broken.deleteOldSegments = () => {
      throw new Error('EIO');
    };
    let ran = false;
    const original = fine.deleteOldSegments.bind(fine);
    fine.deleteOldSegments = (now?: number) => {
      ran = true;
      return original(now);
    };
    expect(() => manager.runRetention()).toThrow('EIO');
    expect(ran).toBe(true);
    manager.close();
  });
  it('a garbage recovery-point or log-start-offset checkpoint does not stop the start', async () => {
    const manager = open();
    manager.getOrCreateLog('t', 0).append(batchOf(3));
    manager.close();
    fs.writeFileSync(path.join(dirs[0]!, 'recovery-point-offset-checkpoint'), '0\n3\nnot a line\n');
    fs.writeFileSync(path.join(dirs[0]!, 'log-start-offset-checkpoint'), 'garbage');
    const said: string[] = [];
    const again = open({ log: (message) => said.push(message) });
    const log = again.getLog('t', 0);
    expect(log!.logEndOffset).toBe(3);
    expect(decodeRecords((await log!.read(0, 1 << 20)).records)).toHaveLength(3);
    expect(said.filter((m) => m.includes('malformed checkpoint'))).toHaveLength(2);
    again.close();
  });

  describe('replication-offset-checkpoint', () => {
    const hwFile = (): string => path.join(dirs[0]!, 'replication-offset-checkpoint');

    it("holds replicated logs' high watermarks, read back after a restart", () => {
      const manager = open({ dirs: [dirs[0]!] });
      const log = manager.getOrCreateLog('t', 0);
      manager.getOrCreateLog('solo', 0).append(batchOf(2));
      log.append(batchOf(5));
      log.replicated = true;
      log.setHighWatermark(3);
      log.append(batchOf(1));
      manager.checkpoint();
      expect(fs.readFileSync(hwFile(), 'utf8')).toBe('0\n1\nt 0 3\n');
      expect(manager.checkpointedHighWatermark('t', 0)).toBe(3);
      expect(manager.checkpointedHighWatermark('solo', 0)).toBeUndefined();
      log.setHighWatermark(4);
      manager.close();

      const again = open({ dirs: [dirs[0]!] });
      expect(again.checkpointedHighWatermark('t', 0)).toBe(4);
      const reopened = again.getLog('t', 0)!;
      // Until the server says it replicates, a log is on its own: its high watermark is its LEO.
      expect(reopened.highWatermark).toBe(6);
      // What the server does when it learns the log is replicated.
      reopened.replicated = true;
      reopened.setHighWatermark(again.checkpointedHighWatermark('t', 0) ?? 0);
      expect(reopened.highWatermark).toBe(4);
      again.close();
    });

    it('keeps the checkpointed value of a log not yet made replicated again', () => {
      const manager = open({ dirs: [dirs[0]!] });
      const log = manager.getOrCreateLog('t', 0);
      log.append(batchOf(5));
      log.replicated = true;
      log.setHighWatermark(2);
      manager.close();
      const again = open({ dirs: [dirs[0]!] });
      again.getLog('t', 0)!.append(batchOf(1));
      again.checkpoint();
      expect(again.checkpointedHighWatermark('t', 0)).toBe(2);
      expect(fs.readFileSync(hwFile(), 'utf8')).toBe('0\n1\nt 0 2\n');
      again.close();
    });

    it('is not written by a single node, whose logs keep their high watermark at the LEO', () => {
      const manager = open({ dirs: [dirs[0]!] });
      manager.getOrCreateLog('t', 0).append(batchOf(5));
      manager.checkpoint();
      manager.close();
      expect(fs.existsSync(hwFile())).toBe(false);
      fs.writeFileSync(hwFile(), '0\n1\nt 0 1\n');
      const again = open({ dirs: [dirs[0]!] });
      expect(again.getLog('t', 0)!.highWatermark).toBe(5);
      expect(again.checkpointedHighWatermark('t', 0)).toBe(1);
      again.close();
    });

    it('forgets a deleted log, and a garbage file does not stop the start', () => {
      const manager = open({ dirs: [dirs[0]!] });
      const log = manager.getOrCreateLog('t', 0);
      log.replicated = true;
      manager.checkpoint();
      expect(manager.checkpointedHighWatermark('t', 0)).toBe(0);
      manager.deleteLog('t', 0);
      expect(manager.checkpointedHighWatermark('t', 0)).toBeUndefined();
      manager.checkpoint();
      expect(fs.readFileSync(hwFile(), 'utf8')).toBe('0\n0\n');
      manager.getOrCreateLog('u', 0);
      manager.close();

      fs.writeFileSync(hwFile(), 'garbage');
      const said: string[] = [];
      const again = open({ dirs: [dirs[0]!], log: (m) => said.push(m) });
      expect(again.checkpointedHighWatermark('u', 0)).toBeUndefined();
      expect(said.join('\n')).toMatch(/malformed checkpoint .*replication-offset-checkpoint/);
      again.checkpoint();
      expect(fs.readFileSync(hwFile(), 'utf8')).toBe('0\n0\n');
      again.close();
    });
  });

  it('forgets an idempotent producer idle past producer.id.expiration.ms (producer state grew forever before)', async () => {
    const manager = open({ producerIdExpirationMs: 300, producerIdExpirationCheckIntervalMs: 20 });
    const log = manager.getOrCreateLog('idem', 0);
    log.append(
      buildBatch({
        records: [{ value: 'a' }, { value: 'b' }],
        producerId: 1,
        producerEpoch: 0,
        baseSequence: 0,
      }),
    );
    expect(log.producers.size).toBe(1);
    await waitFor(() => log.producers.size === 0, { what: 'producer 1 to be forgotten' });
    // Back after that, it is taken at the sequence it goes on with (KIP-360).
    const back = buildBatch({ records: [{ value: 'c' }], producerId: 1, producerEpoch: 0, baseSequence: 2 });
    expect(log.append(back).firstOffset).toBe(2);
    manager.close();
  });
});
