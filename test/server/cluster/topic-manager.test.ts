import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  LogManager,
  defaultOpenFileBudget,
  deletionDirName,
  isDeletionDirName,
  parsePartitionDirName,
} from '../../../engine/index.js';
import { TOPICS_FILE } from '../../../server/cluster/topic-store.js';
import { ErrorCode } from '../../../server/protocol/error-codes.js';
import { openAdminContext, type AdminContext } from '../../helpers/admin-context.js';
import { batchOf, decodeRecords } from '../../helpers/log-fixtures.js';
import { mountSmallFs, type SmallFs } from '../../helpers/small-fs.js';

/** Topics are made and removed whole, and never more of them than the broker can hold open. */
describe('TopicManager', () => {
  const contexts: AdminContext[] = [];
  let small: SmallFs | undefined;
  const open = (properties: Record<string, string> = {}, dir?: string): AdminContext => {
    const ctx = openAdminContext(properties, dir);
    contexts.push(ctx);
    return ctx;
  };
  afterEach(() => {
    for (const ctx of contexts.splice(0)) {
      try {
        ctx.close();
      } catch {
        // closed by the test
      }
    }
    small?.remove();
    small = undefined;
  });

  it('deletes a topic whose name is 249 characters (the -delete rename was too long)', () => {
    const ctx = open();
    const name = 'x'.repeat(249);
    expect(ctx.broker.topics.create(name, 2, 1, {}).errorCode).toBe(ErrorCode.NONE);
    ctx.broker.logs.getLog(name, 0)!.append(batchOf(3));
    expect(ctx.broker.topics.delete(name).errorCode).toBe(ErrorCode.NONE);
    expect(fs.readdirSync(ctx.dir).filter((d) => d.startsWith('xxx'))).toEqual([]);
    // A second delete finds nothing; a new topic of the name starts empty.
    expect(ctx.broker.topics.delete(name).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect(ctx.broker.topics.create(name, 2, 1, {}).errorCode).toBe(ErrorCode.NONE);
    expect(ctx.broker.logs.getLog(name, 0)!.logEndOffset).toBe(0);
  });

  it('names a directory being deleted as Kafka does, within 255 bytes, never as a partition', () => {
    for (const topic of ['t', 'x'.repeat(249)]) {
      const name = deletionDirName(topic, 12);
      expect(name.length).toBeLessThanOrEqual(255);
      expect(name).toMatch(/-12\.[0-9a-f]{32}-delete$/);
      expect(isDeletionDirName(name)).toBe(true);
      expect(parsePartitionDirName(name)).toBeUndefined();
    }
    expect(deletionDirName('t', 0)).not.toBe(deletionDirName('t', 0));
  });

  it('a deletion that cannot rename a partition reports an error and keeps the topic readable', async () => {
    const ctx = open();
    expect(ctx.broker.topics.create('stuck', 1, 1, {}).errorCode).toBe(ErrorCode.NONE);
    ctx.broker.logs.getLog('stuck', 0)!.append(batchOf(3));
    // The rename fails, as on a read-only or failing disk.
    const rename = vi.spyOn(fs, 'renameSync').mockImplementationOnce(() => {
      throw Object.assign(new Error('EROFS: read-only file system'), { code: 'EROFS' });
    });
    const result = ctx.broker.topics.delete('stuck');
    rename.mockRestore();
    expect(result.errorCode).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
    expect(ctx.broker.topics.store.get('stuck')).toBeDefined();
    const log = ctx.broker.logs.getLog('stuck', 0)!;
    expect(decodeRecords((await log.read(0, 1 << 20)).records)).toHaveLength(3);
    expect(ctx.broker.topics.delete('stuck').errorCode).toBe(ErrorCode.NONE);
  });

  it('refuses more partitions than kiln.max.partitions.per.topic and kiln.max.partitions allow, with INVALID_PARTITIONS', () => {
    const ctx = open({ 'kiln.max.partitions.per.topic': '8', 'kiln.max.partitions': '12' });
    const huge = ctx.broker.topics.create('huge', 2_147_483_647, 1, {});
    expect(huge.errorCode).toBe(ErrorCode.INVALID_PARTITIONS);
    expect(huge.errorMessage).toMatch(/kiln\.max\.partitions\.per\.topic/);
    expect(ctx.broker.topics.create('nine', 9, 1, {}).errorCode).toBe(ErrorCode.INVALID_PARTITIONS);
    expect(ctx.broker.topics.create('eight', 8, 1, {}).errorCode).toBe(ErrorCode.NONE);
    const over = ctx.broker.topics.create('five', 5, 1, {});
    expect([over.errorCode, over.errorMessage]).toEqual([
      ErrorCode.INVALID_PARTITIONS,
      expect.stringMatching(/kiln\.max\.partitions \(12\)/),
    ]);
    expect(ctx.broker.topics.addPartitions('eight', 9).errorCode).toBe(ErrorCode.INVALID_PARTITIONS);
    expect(ctx.broker.topics.store.get('eight')!.partitions).toBe(8);
    expect(ctx.broker.topics.store.get('five')).toBeUndefined();
    expect(fs.readdirSync(ctx.dir).filter((d) => d.startsWith('five-') || d.startsWith('nine-'))).toEqual([]);
  });

  it('idle partitions need no descriptors, and a process with none to spare refuses new ones, before making any', () => {
    const ctx = open();
    const original = execFileSync('prlimit', [
      '--pid',
      String(process.pid),
      '--nofile',
      '--output',
      'SOFT,HARD',
      '--noheadings',
    ])
      .toString()
      .trim()
      .split(/\s+/);
    // The .log files' budget follows the limit as it would in a broker started under it.
    const logFiles = defaultOpenFileBudget.limit;
    defaultOpenFileBudget.setLimit(256);
    const openNow = fs.readdirSync('/proc/self/fd').length;
    try {
      // 1000 partitions under a limit of 1024: they held two descriptors each and did not fit.
      execFileSync('prlimit', ['--pid', String(process.pid), `--nofile=1024:${original[1]}`]);
      expect(ctx.broker.topics.create('many', 1000, 1, {}).errorCode).toBe(ErrorCode.NONE);
      // New .log files stay open up to their budget of 256; the indexes hold none.
      expect(fs.readdirSync('/proc/self/fd').length).toBeLessThan(openNow + 256 + 20);
      // No room left beside the reserve for connections and segment files: refused up front.
      execFileSync('prlimit', ['--pid', String(process.pid), `--nofile=${openNow + 300}:${original[1]}`]);
      const result = ctx.broker.topics.create('more', 10, 1, {});
      expect(result.errorCode).toBe(ErrorCode.INVALID_PARTITIONS);
      expect(result.errorMessage).toMatch(/file descriptors/);
      expect(fs.readdirSync(ctx.dir).filter((d) => d.startsWith('more-'))).toEqual([]);
    } finally {
      defaultOpenFileBudget.setLimit(logFiles);
      execFileSync('prlimit', ['--pid', String(process.pid), `--nofile=${original[0]}:${original[1]}`]);
    }
  });

  it('refuses to add partitions to an internal topic', () => {
    const ctx = open();
    expect(ctx.broker.topics.create('__consumer_offsets', 2, 1, {}).errorCode).toBe(ErrorCode.NONE);
    const result = ctx.broker.topics.addPartitions('__consumer_offsets', 4);
    expect([result.errorCode, result.errorMessage]).toEqual([
      ErrorCode.INVALID_REQUEST,
      expect.stringMatching(/internal topic/),
    ]);
    expect(ctx.broker.topics.store.get('__consumer_offsets')!.partitions).toBe(2);
  });

  it('a CreateTopics that fails on a full disk leaves no half-created topic, before or after a restart', () => {
    small = mountSmallFs(4 * 1024 * 1024);
    const dir = path.join(small.dir, 'data');
    const ctx = open({}, dir);
    expect(ctx.broker.topics.create('before', 1, 1, {}).errorCode).toBe(ErrorCode.NONE);
    small.fill();
    const result = ctx.broker.topics.create('on-full-disk', 3, 1, {});
    expect(result.errorCode).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
    expect(ctx.broker.topics.store.get('on-full-disk')).toBeUndefined();
    expect(fs.readdirSync(dir).filter((d) => d.startsWith('on-full-disk-') && !isDeletionDirName(d))).toEqual(
      [],
    );
    small.free();
    const again = ctx.reopen();
    contexts.push(again);
    expect(again.broker.topics.store.get('on-full-disk')).toBeUndefined();
    expect(again.broker.topics.store.get('before')).toBeDefined();
    expect(again.broker.logs.getLog('on-full-disk', 0)).toBeUndefined();
  });

  it('a deletion directory that cannot be removed at start neither stops the start nor comes back as a topic', () => {
    const ctx = open();
    expect(ctx.broker.topics.create('gone', 1, 1, {}).errorCode).toBe(ErrorCode.NONE);
    ctx.broker.logs.getLog('gone', 0)!.append(batchOf(3));
    // A deletion cut short after the rename: the directory is still there at the next start.
    const realRm = fs.rmSync.bind(fs);
    const rm = vi.spyOn(fs, 'rmSync').mockImplementation((target, options) => {
      if (isDeletionDirName(path.basename(String(target))))
        throw Object.assign(new Error('EIO: i/o error, rmdir'), { code: 'EIO' });
      realRm(target, options);
    });
    try {
      expect(ctx.broker.topics.delete('gone').errorCode).toBe(ErrorCode.NONE);
      ctx.broker.logs.close();
      const again = openAdminContext({}, ctx.dir);
      contexts.push(again);
      expect(again.broker.topics.store.get('gone')).toBeUndefined();
      expect(again.broker.logs.getLog('gone', 0)).toBeUndefined();
      again.broker.logs.close();
    } finally {
      rm.mockRestore();
    }
    expect(fs.readdirSync(ctx.dir).filter(isDeletionDirName)).toHaveLength(1);
    // Removed once it can be; a new topic of the name starts empty.
    const third = openAdminContext({}, ctx.dir);
    contexts.push(third);
    expect(fs.readdirSync(ctx.dir).filter(isDeletionDirName)).toEqual([]);
    expect(third.broker.topics.create('gone', 1, 1, {}).errorCode).toBe(ErrorCode.NONE);
    expect(third.broker.logs.getLog('gone', 0)!.logEndOffset).toBe(0);
  });

  it('a client topic whose name starts with __ is an ordinary topic: it can be deleted and grown', () => {
    const ctx = open();
    expect(ctx.broker.topics.create('__mine', 1, 1, {}).errorCode).toBe(ErrorCode.NONE);
    expect(ctx.broker.topics.store.get('__mine')!.internal).toBe(false);
    expect(ctx.broker.topics.addPartitions('__mine', 2).errorCode).toBe(ErrorCode.NONE);
    expect(ctx.broker.topics.delete('__mine').errorCode).toBe(ErrorCode.NONE);
  });

  it('a topic store that marked a client __ topic internal is corrected when read', () => {
    const ctx = open();
    expect(ctx.broker.topics.create('__theirs', 1, 1, {}).errorCode).toBe(ErrorCode.NONE);
    ctx.broker.logs.close();
    const file = path.join(ctx.dir, TOPICS_FILE);
    const data = JSON.parse(fs.readFileSync(file, 'utf8')) as { topics: { internal: boolean }[] };
    for (const topic of data.topics) topic.internal = true;
    fs.writeFileSync(file, JSON.stringify(data));
    const again = openAdminContext({}, ctx.dir);
    contexts.push(again);
    expect(again.broker.topics.store.get('__theirs')!.internal).toBe(false);
    expect(again.broker.topics.delete('__theirs').errorCode).toBe(ErrorCode.NONE);
  });

  it('refuses to delete an internal topic with INVALID_TOPIC_EXCEPTION and keeps it', () => {
    const ctx = open();
    expect(ctx.broker.topics.create('__consumer_offsets', 2, 1, {}).errorCode).toBe(ErrorCode.NONE);
    const result = ctx.broker.topics.delete('__consumer_offsets');
    expect([result.errorCode, result.errorMessage]).toEqual([
      ErrorCode.INVALID_TOPIC_EXCEPTION,
      expect.stringMatching(/internal topic/),
    ]);
    expect(ctx.broker.logs.getLog('__consumer_offsets', 1)).toBeDefined();
  });

  it('a CreatePartitions that fails on a full disk adds no partition, before or after a restart', () => {
    small = mountSmallFs(4 * 1024 * 1024);
    const dir = path.join(small.dir, 'data');
    const ctx = open({}, dir);
    expect(ctx.broker.topics.create('grow', 1, 1, {}).errorCode).toBe(ErrorCode.NONE);
    small.fill();
    const result = ctx.broker.topics.addPartitions('grow', 4);
    expect(result.errorCode).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
    expect(ctx.broker.topics.store.get('grow')!.partitions).toBe(1);
    expect(ctx.broker.logs.getLog('grow', 1)).toBeUndefined();
    expect(fs.readdirSync(dir).filter((d) => /^grow-[1-3]$/.test(d))).toEqual([]);
    small.free();
    const again = ctx.reopen();
    contexts.push(again);
    expect(again.broker.topics.store.get('grow')!.partitions).toBe(1);
    expect(again.broker.logs.getLog('grow', 1)).toBeUndefined();
    expect(again.broker.topics.addPartitions('grow', 4).errorCode).toBe(ErrorCode.NONE);
  });

  it('a directory left by a deletion under the older name (<dir>.<base-36 time>-delete) is removed at start, never a topic', () => {
    const ctx = open();
    expect(ctx.broker.topics.create('kept', 1, 1, {}).errorCode).toBe(ErrorCode.NONE);
    ctx.broker.logs.close();
    const old = path.join(ctx.dir, `old-0.${Date.now().toString(36)}-delete`);
    fs.mkdirSync(old);
    fs.writeFileSync(path.join(old, '00000000000000000000.log'), batchOf(3));
    const again = openAdminContext({}, ctx.dir);
    contexts.push(again);
    expect(fs.existsSync(old)).toBe(false);
    expect(again.broker.logs.getLog('old', 0)).toBeUndefined();
    expect(again.broker.topics.store.get('kept')).toBeDefined();
  });

  it('a partition whose log cannot be made at start is offline and reported; the broker still starts', () => {
    const ctx = open();
    expect(ctx.broker.topics.create('lost', 3, 1, {}).errorCode).toBe(ErrorCode.NONE);
    ctx.broker.logs.getLog('lost', 0)!.append(batchOf(2));
    ctx.broker.logs.close();
    // Its directory gone (a creation cut short before creation was all or nothing), and no
    // descriptor left to make it again.
    fs.rmSync(path.join(ctx.dir, 'lost-2'), { recursive: true });
    const real = LogManager.prototype.getOrCreateLog;
    const make = vi.spyOn(LogManager.prototype, 'getOrCreateLog').mockImplementation(function (
      this: LogManager,
      topic: string,
      partition: number,
    ) {
      if (topic === 'lost' && partition === 2)
        throw Object.assign(new Error('EMFILE: too many open files'), { code: 'EMFILE' });
      return real.call(this, topic, partition);
    });
    const warned: string[] = [];
    const write = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      warned.push(String(chunk));
      return true;
    });
    let again: AdminContext;
    try {
      again = openAdminContext({}, ctx.dir);
    } finally {
      write.mockRestore();
      make.mockRestore();
    }
    contexts.push(again);
    expect(again.broker.topics.offline).toEqual([{ topic: 'lost', partition: 2 }]);
    expect(warned.join('')).toMatch(
      /1 partitions of lost \(first 2\) cannot be made and are offline: EMFILE/,
    );
    expect(again.broker.logs.getLog('lost', 0)!.logEndOffset).toBe(2);
    expect(again.broker.logs.getLog('lost', 2)).toBeUndefined();
    // Made again at the next start that can.
    again.broker.logs.close();
    const third = openAdminContext({}, ctx.dir);
    contexts.push(third);
    expect(third.broker.topics.offline).toEqual([]);
    expect(third.broker.logs.getLog('lost', 2)!.logEndOffset).toBe(0);
  });
});

describe('a damaged topic store', () => {
  it('does not stop the start: the topics come back from their partition directories', async () => {
    const ctx = openAdminContext();
    try {
      expect(ctx.broker.topics.create('kept', 3, 1, { 'retention.ms': '1000' }).errorCode).toBe(
        ErrorCode.NONE,
      );
      ctx.broker.logs.getLog('kept', 2)!.append(batchOf(4));
      const file = path.join(ctx.dir, TOPICS_FILE);
      // Stopped (the logs closed), the file damaged, started again.
      ctx.broker.logs.close();
      fs.writeFileSync(file, '{"version":1,"topics":[{"na');
      const reopened = openAdminContext({}, ctx.dir);
      contextsToClose.push(reopened);
      const topic = reopened.broker.topics.store.get('kept');
      expect(topic?.partitions).toBe(3);
      const log = reopened.broker.logs.getLog('kept', 2)!;
      expect(decodeRecords((await log.read(0, 1 << 20)).records)).toHaveLength(4);
      // The damaged file is kept aside; a new one is written.
      expect(fs.readdirSync(ctx.dir).some((name) => name.startsWith(`${TOPICS_FILE}.damaged-`))).toBe(true);
      expect(JSON.parse(fs.readFileSync(file, 'utf8')).topics[0].name).toBe('kept');
    } finally {
      for (const c of contextsToClose.splice(0)) {
        try {
          c.close();
        } catch {
          // closed already
        }
      }
    }
  });
});

const contextsToClose: AdminContext[] = [];
