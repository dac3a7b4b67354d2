// AlterReplicaLogDirs moving replicas between a broker's log directories, and DescribeLogDirs
// showing a replica's copy (isFutureKey) while it moves; every request and answer goes through
// the codec at the version named.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { alterReplicaLogDirsHandler } from '../../../../server/handlers/admin/alter-replica-log-dirs.js';
import { describeLogDirsHandler } from '../../../../server/handlers/admin/describe-log-dirs.js';
import type { Message } from '../../../../server/protocol/codec.js';
import { ErrorCode } from '../../../../server/protocol/error-codes.js';
import { createTopic, openAdminContext, type AdminContext } from '../../../helpers/admin-context.js';
import { batchOf, decodeRecords } from '../../../helpers/log-fixtures.js';
import { makeTempDir, removeTempDir } from '../../../helpers/temp-dir.js';

let first: string;
let second: string;
let ctx: AdminContext;

beforeEach(() => {
  first = makeTempDir('kiln-logdirs-a-');
  second = makeTempDir('kiln-logdirs-b-');
  ctx = openAdminContext({ 'log.dirs': `${first},${second}`, 'log.segment.bytes': '4096' }, first);
});
afterEach(() => {
  ctx.close();
  removeTempDir(second);
});

const alter = (version: number, dirs: { path: string; topics: { name: string; partitions: number[] }[] }[]) =>
  ctx.call(alterReplicaLogDirsHandler(ctx.broker), version, { dirs });
const describeDirs = (version = 1, topics: Message[] | null = null) =>
  ctx.call(describeLogDirsHandler(ctx.broker), version, { topics });

/** A topic `name` with its partition 0 in `first` holding `batches` batches of 20 records. */
function filled(name: string, batches: number): void {
  createTopic(ctx, name, 1);
  const log = ctx.broker.logs.getLog(name, 0)!;
  expect(ctx.broker.logs.logDirOf(name, 0)).toBe(first);
  for (let b = 0; b < batches; b++) log.append(batchOf(20, `b${b}`));
}

/** Every record key of the partition, read segment by segment. */
async function recordsOf(name: string): Promise<string[]> {
  const log = ctx.broker.logs.getLog(name, 0)!;
  const keys: string[] = [];
  for (let offset = 0; offset < log.logEndOffset;) {
    const records = decodeRecords((await log.read(offset, 1024 * 1024)).records).filter(
      (r) => r.offset >= offset,
    );
    keys.push(...records.map((r) => r.key!));
    offset = records.at(-1)!.offset + 1;
  }
  return keys;
}

describe('AlterReplicaLogDirs', () => {
  for (const version of [0, 1]) {
    it(`v${version}: accepts a move, which goes on in the background while DescribeLogDirs shows the copy`, async () => {
      filled('mv', 40);
      const before = await recordsOf('mv');
      expect(before).toHaveLength(800);
      const log = ctx.broker.logs.getLog('mv', 0)!;
      const response = await alter(version, [{ path: second, topics: [{ name: 'mv', partitions: [0] }] }]);
      expect(response).toEqual({
        throttleTimeMs: 0,
        results: [{ topicName: 'mv', partitions: [{ partitionIndex: 0, errorCode: ErrorCode.NONE }] }],
      });
      // Accepted, not done: the replica is still where it was, its copy in the target.
      const during = (await describeDirs(version)).results as Message[];
      expect(during.map((d) => d.logDir)).toEqual([first, second].map((d) => path.resolve(d)));
      expect(during[0]!.topics).toEqual([
        {
          name: 'mv',
          partitions: [{ partitionIndex: 0, partitionSize: log.size, offsetLag: 0, isFutureKey: false }],
        },
      ]);
      const [copy] = (during[1]!.topics as Message[])[0]!.partitions as Message[];
      expect(copy).toMatchObject({ partitionIndex: 0, isFutureKey: true });
      expect(copy!.offsetLag).toBeGreaterThan(0);
      expect(copy!.offsetLag).toBeLessThanOrEqual(log.logEndOffset);
      expect(copy!.partitionSize).toBeLessThan(log.size);

      await expect(ctx.broker.logs.moveOutcome('mv', 0)).resolves.toBe('moved');
      const after = (await describeDirs(version)).results as Message[];
      expect(after[0]!.topics).toEqual([]);
      expect(after[1]!.topics).toEqual([
        {
          name: 'mv',
          partitions: [{ partitionIndex: 0, partitionSize: log.size, offsetLag: 0, isFutureKey: false }],
        },
      ]);
      expect(ctx.broker.logs.logDirOf('mv', 0)).toBe(second);
      expect(await recordsOf('mv')).toEqual(before);
    });
  }

  it('answers NONE at once for a replica already there, and compares paths as absolute ones', async () => {
    filled('here', 3);
    const samePlace = [`${first}/`, path.join(second, '..', path.basename(first)), first];
    const response = await alter(
      1,
      samePlace.map((p) => ({ path: p, topics: [{ name: 'here', partitions: [0] }] })),
    );
    expect(response.results).toEqual([
      {
        topicName: 'here',
        partitions: [0, 0, 0].map((partitionIndex) => ({ partitionIndex, errorCode: ErrorCode.NONE })),
      },
    ]);
    expect(ctx.broker.logs.futureLogs()).toEqual([]);
    expect(ctx.broker.logs.moveOutcome('here', 0)).toBeUndefined();
    // A path to the other directory spelt another way is that directory.
    const other = path.join(first, '..', path.basename(second), '.');
    await alter(1, [{ path: other, topics: [{ name: 'here', partitions: [0] }] }]);
    await expect(ctx.broker.logs.moveOutcome('here', 0)).resolves.toBe('moved');
    expect(ctx.broker.logs.logDirOf('here', 0)).toBe(second);
  });

  it('answers LOG_DIR_NOT_FOUND for a path that is not one of log.dirs, UNKNOWN_TOPIC_OR_PARTITION for a partition it lacks', async () => {
    filled('known', 2);
    const elsewhere = makeTempDir('kiln-logdirs-c-');
    try {
      const response = await alter(1, [
        { path: elsewhere, topics: [{ name: 'known', partitions: [0] }] },
        { path: 'relative/dir', topics: [{ name: 'known', partitions: [0] }] },
        {
          path: second,
          topics: [
            { name: 'known', partitions: [5] },
            { name: 'nosuch', partitions: [0] },
          ],
        },
      ]);
      expect(response.results).toEqual([
        {
          topicName: 'known',
          partitions: [
            { partitionIndex: 0, errorCode: ErrorCode.LOG_DIR_NOT_FOUND },
            { partitionIndex: 0, errorCode: ErrorCode.LOG_DIR_NOT_FOUND },
            { partitionIndex: 5, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION },
          ],
        },
        {
          topicName: 'nosuch',
          partitions: [{ partitionIndex: 0, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION }],
        },
      ]);
      expect(ctx.broker.logs.futureLogs()).toEqual([]);
      expect(fs.readdirSync(elsewhere)).toEqual([]);
      expect(ctx.broker.logs.logDirOf('known', 0)).toBe(first);
    } finally {
      removeTempDir(elsewhere);
    }
  });

  it('answers KAFKA_STORAGE_ERROR when the move cannot begin, and the replica stays whole where it was', async () => {
    filled('stuck', 10);
    const before = await recordsOf('stuck');
    // The target directory's disk is gone: its path is no directory now.
    fs.rmSync(second, { recursive: true });
    fs.writeFileSync(second, 'not a directory');
    try {
      const response = await alter(0, [{ path: second, topics: [{ name: 'stuck', partitions: [0] }] }]);
      expect(response.results).toEqual([
        { topicName: 'stuck', partitions: [{ partitionIndex: 0, errorCode: ErrorCode.KAFKA_STORAGE_ERROR }] },
      ]);
      expect(ctx.broker.logs.futureLogs()).toEqual([]);
      expect(ctx.broker.logs.logDirOf('stuck', 0)).toBe(first);
      expect(await recordsOf('stuck')).toEqual(before);
      ctx.broker.logs.getLog('stuck', 0)!.append(batchOf(1, 'later'));
      expect((await recordsOf('stuck')).at(-1)).toBe('later-k0');
    } finally {
      fs.rmSync(second);
      fs.mkdirSync(second);
    }
  });

  it('DescribeLogDirs lists a copy only for the partitions asked for', async () => {
    filled('asked', 30);
    createTopic(ctx, 'other', 1);
    await alter(1, [{ path: second, topics: [{ name: 'asked', partitions: [0] }] }]);
    const onlyOther = (await describeDirs(4, [{ topic: 'other', partitions: [0] }])).results as Message[];
    expect(onlyOther.flatMap((d) => (d.topics as Message[]).map((t) => t.name))).toEqual(['other']);
    const asked = (await describeDirs(4, [{ topic: 'asked', partitions: [0] }])).results as Message[];
    const flags = asked.flatMap((d) =>
      (d.topics as Message[]).flatMap((t) =>
        (t.partitions as Message[]).map((p) => [d.logDir, p.isFutureKey]),
      ),
    );
    expect(flags).toEqual([
      [path.resolve(first), false],
      [path.resolve(second), true],
    ]);
    await expect(ctx.broker.logs.moveOutcome('asked', 0)).resolves.toBe('moved');
  });
});
