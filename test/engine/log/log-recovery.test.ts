import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseLogConfig } from '../../../engine/log/log-config.js';
import { PartitionLog } from '../../../engine/log/partition-log.js';
import { MappingBudget } from '../../../engine/segment/mapping-budget.js';
import { batchOf, decodeRecords } from '../../helpers/log-fixtures.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';

/** Restart scenarios: a clean stop and reopen, and crashes with torn, flipped or missing files. */
describe('partition log recovery', () => {
  let root: string;
  let dir: string;
  let messages: string[];
  const props = { 'segment.bytes': '1500', 'index.interval.bytes': '200' };
  const open = (cleanShutdown: boolean, recoveryPoint = 0): PartitionLog =>
    PartitionLog.open({
      dir,
      topic: 'events',
      partition: 3,
      config: parseLogConfig(props),
      budget: new MappingBudget(16),
      cleanShutdown,
      recoveryPoint,
      log: (m) => messages.push(m),
    });
  const fill = (log: PartitionLog, batches: number): void => {
    for (let i = 0; i < batches; i++) log.append(batchOf(5, `b${i}`));
  };
  const allKeys = async (log: PartitionLog): Promise<string[]> => {
    const keys: string[] = [];
    for (let offset = log.logStartOffset; offset < log.logEndOffset;) {
      const records = decodeRecords((await log.read(offset, 1 << 20)).records).filter(
        (r) => r.offset >= offset,
      );
      keys.push(...records.map((r) => r.key ?? ''));
      offset = records[records.length - 1]!.offset + 1;
    }
    return keys;
  };
  const segmentFiles = (suffix: string): string[] =>
    fs
      .readdirSync(dir)
      .filter((f) => f.endsWith(suffix))
      .sort();
  const lastLogFile = (): string => path.join(dir, segmentFiles('.log').at(-1)!);

  beforeEach(() => {
    root = makeTempDir();
    dir = path.join(root, 'events-3');
    messages = [];
  });
  afterEach(() => removeTempDir(root));

  it('reopens after a clean stop with the same records, offsets and trimmed indexes', async () => {
    const log = open(true);
    fill(log, 40);
    const keys = await allKeys(log);
    log.close();
    for (const index of segmentFiles('.index')) expect(fs.statSync(path.join(dir, index)).size % 8).toBe(0);
    const again = open(true);
    expect(again.logEndOffset).toBe(200);
    expect(await allKeys(again)).toEqual(keys);
    expect(again.append(batchOf(1, 'more')).firstOffset).toBe(200);
    again.close();
  });

  it('does no recovery scan after a clean stop: damage in an old batch goes unnoticed until a crash restart', async () => {
    const log = open(true);
    fill(log, 10);
    log.close();
    const file = path.join(dir, segmentFiles('.log')[0]!);
    const bytes = fs.readFileSync(file);
    bytes[100]! ^= 0xff; // inside the first batch's records: its CRC no longer matches
    fs.writeFileSync(file, bytes);
    const clean = open(true);
    expect(clean.logEndOffset).toBe(50);
    clean.close();
    const crashed = open(false);
    expect(crashed.logEndOffset).toBe(0);
    expect(messages.join('\n')).toMatch(/CRC mismatch/);
    crashed.close();
  });

  it('cuts a torn tail after a crash and keeps everything before it', async () => {
    const log = open(true);
    fill(log, 12);
    const keys = await allKeys(log);
    // A crash mid-write: half a batch at the end of the file.
    fs.appendFileSync(lastLogFile(), batchOf(5, 'torn').subarray(0, 40));
    const recovered = open(false);
    expect(recovered.logEndOffset).toBe(60);
    expect(await allKeys(recovered)).toEqual(keys);
    expect(recovered.append(batchOf(1, 'next')).firstOffset).toBe(60);
    expect(messages.join('\n')).toMatch(/cut by 40 bytes/);
    recovered.close();
  });

  it('truncates at a flipped byte and deletes the segments after it', async () => {
    const log = open(true);
    fill(log, 40);
    const segments = log.segments();
    expect(segments.length).toBeGreaterThan(3);
    const victim = segments[1]!;
    const bytes = fs.readFileSync(victim.path);
    const secondBatch = bytes.readInt32BE(8) + 12;
    bytes[secondBatch + 70]! ^= 0x01;
    fs.writeFileSync(victim.path, bytes);
    const recovered = open(false, 0);
    // The first batch of the damaged segment survives; nothing after the damage does.
    expect(recovered.logEndOffset).toBe(victim.baseOffset + 5);
    expect(recovered.segments().length).toBe(2);
    expect(await allKeys(recovered)).toHaveLength(victim.baseOffset + 5);
    recovered.close();
  });

  it('rebuilds deleted and garbage index files, giving the same reads', async () => {
    const log = open(true);
    fill(log, 40);
    const keys = await allKeys(log);
    log.close();
    const indexes = segmentFiles('.index');
    fs.rmSync(path.join(dir, indexes[0]!));
    fs.writeFileSync(path.join(dir, indexes[1]!), Buffer.alloc(13, 0xab)); // not a whole number of entries
    fs.rmSync(path.join(dir, segmentFiles('.timeindex')[2]!));
    // The right length but nonsense: an entry pointing past the end of the log.
    const pastEnd = Buffer.alloc(8);
    pastEnd.writeInt32BE(1, 0);
    pastEnd.writeInt32BE(0x7fff0000, 4);
    fs.writeFileSync(path.join(dir, indexes[3]!), pastEnd);
    // The active segment's index, checked entry by entry: positions going backwards.
    const backwards = Buffer.alloc(16);
    backwards.writeInt32BE(1, 0);
    backwards.writeInt32BE(300, 4);
    backwards.writeInt32BE(2, 8);
    backwards.writeInt32BE(7, 12);
    fs.writeFileSync(path.join(dir, indexes.at(-1)!), backwards);
    const again = open(true);
    expect(await allKeys(again)).toEqual(keys);
    const rebuilt = fs.statSync(path.join(dir, indexes[0]!)).size;
    expect(rebuilt).toBeGreaterThan(0);
    expect(rebuilt % 8).toBe(0);
    again.close();
  });

  it('a torn or zeroed tail after a clean stop is found at start', async () => {
    const log = open(true);
    fill(log, 12);
    const keys = await allKeys(log);
    log.close();
    // The last batch's bytes are zeroed on disk (pages the machine lost), the stop was clean.
    const file = lastLogFile();
    const size = fs.statSync(file).size;
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, Buffer.alloc(40), 0, 40, size - 40);
    fs.closeSync(fd);
    const again = open(true);
    expect(again.logEndOffset).toBe(55);
    expect(await allKeys(again)).toEqual(keys.slice(0, 55));
    expect(messages.join('\n')).toMatch(/bad tail after a clean stop/);
    // Records acknowledged afterwards are readable where they were put.
    expect(again.append(batchOf(5, 'after')).firstOffset).toBe(55);
    expect((await allKeys(again)).slice(55)).toEqual([
      'after-k0',
      'after-k1',
      'after-k2',
      'after-k3',
      'after-k4',
    ]);
    again.close();
  });

  it('zeros appended past the last batch after a clean stop are cut at start', async () => {
    const log = open(true);
    fill(log, 12);
    log.close();
    fs.appendFileSync(lastLogFile(), Buffer.alloc(4096));
    const again = open(true);
    expect(again.logEndOffset).toBe(60);
    expect(again.append(batchOf(2, 'after')).firstOffset).toBe(60);
    expect((await allKeys(again)).slice(-2)).toEqual(['after-k0', 'after-k1']);
    again.close();
  });

  it('an older segment whose offset index entries are out of order is rebuilt, not trusted', async () => {
    const log = open(true);
    fill(log, 40);
    const keys = await allKeys(log);
    log.close();
    const index = path.join(dir, segmentFiles('.index')[1]!);
    const bytes = fs.readFileSync(index);
    expect(bytes.length).toBeGreaterThanOrEqual(24);
    // The first entry claims a later offset and position than the second: the last entry stays valid.
    bytes.writeInt32BE(bytes.readInt32BE(8) + 1, 0);
    bytes.writeInt32BE(bytes.readInt32BE(12) + 50, 4);
    fs.writeFileSync(index, bytes);
    const again = open(true);
    expect(await allKeys(again)).toEqual(keys);
    again.close();
  });

  it('an offset index entry pointing past its batch does not make readers skip records', async () => {
    const log = open(true);
    fill(log, 40);
    const keys = await allKeys(log);
    log.close();
    const name = segmentFiles('.index')[1]!;
    const index = path.join(dir, name);
    const bytes = fs.readFileSync(index);
    expect(bytes.length).toBeGreaterThanOrEqual(16);
    // Entry 0 keeps its offset but takes entry 1's position: still in order, so it passes the
    // sanity check at start, but a lookup between the two offsets lands one batch too far.
    bytes.writeInt32BE(bytes.readInt32BE(12), 4);
    fs.writeFileSync(index, bytes);
    const again = open(true);
    for (let offset = 0; offset < 200; offset++) {
      const records = decodeRecords((await again.read(offset, 1 << 20)).records);
      expect(records.find((r) => r.offset === offset)?.key, `offset ${offset}`).toBe(keys[offset]);
    }
    again.close();
    // The distrusted index was removed, and the next start rebuilt it.
    const rebuilt = open(true);
    expect(fs.readFileSync(index).equals(bytes)).toBe(false);
    expect(await allKeys(rebuilt)).toEqual(keys);
    rebuilt.close();
  });

  it('a damaged batch an older segment index points at fails that read, and a restart deletes no later segment', async () => {
    const log = open(true);
    fill(log, 40);
    const keys = await allKeys(log);
    log.close();
    // The magic byte of the batch at the first index entry of the first segment.
    const index = fs.readFileSync(path.join(dir, segmentFiles('.index')[0]!));
    const relative = index.readInt32BE(0);
    const position = index.readInt32BE(4);
    const file = path.join(dir, segmentFiles('.log')[0]!);
    const bytes = fs.readFileSync(file);
    bytes[position + 16] = 7;
    fs.writeFileSync(file, bytes);
    const again = open(true);
    await expect(again.read(relative, 1 << 20)).rejects.toThrow(/corrupt segment/);
    again.close();
    // The index was not blamed: nothing was removed, and the next start keeps every segment.
    expect(segmentFiles('.index')).toHaveLength(segmentFiles('.log').length);
    const restarted = open(true);
    expect(restarted.logEndOffset).toBe(200);
    expect(messages.join('\n')).not.toMatch(/deleting segment/);
    const after = decodeRecords((await restarted.read(150, 1 << 20)).records);
    expect(after.find((r) => r.offset === 150)?.key).toBe(keys[150]);
    restarted.close();
  });

  it('an older segment whose index is missing is indexed again, not cut, even when one of its batches is damaged', async () => {
    const log = open(true);
    fill(log, 40);
    log.close();
    const first = segmentFiles('.log')[0]!;
    const file = path.join(dir, first);
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 20]! ^= 0xff; // inside the segment's last batch
    fs.writeFileSync(file, bytes);
    fs.rmSync(path.join(dir, first.replace('.log', '.index')));
    const again = open(true);
    expect(again.logEndOffset).toBe(200);
    expect(fs.statSync(file).size).toBe(bytes.length);
    expect(messages.join('\n')).toMatch(/indexed up to a damaged batch/);
    again.close();
  });

  it('a batch larger than the current max.message.bytes in the active segment survives a clean restart', async () => {
    const big = { 'segment.bytes': '1048576', 'max.message.bytes': '4000000' };
    const openWith = (extra: Record<string, string>): PartitionLog =>
      PartitionLog.open({
        dir,
        topic: 'events',
        partition: 3,
        config: parseLogConfig({ ...props, ...extra }),
        budget: new MappingBudget(16),
        cleanShutdown: true,
        recoveryPoint: 0,
        log: (m) => messages.push(m),
      });
    const log = openWith(big);
    log.append(batchOf(1, 'small'));
    log.append(batchOf(1, 'x'.repeat(1_000_000)));
    log.close();
    const again = openWith({ 'segment.bytes': '1048576', 'max.message.bytes': '1000000' });
    expect(again.logEndOffset).toBe(2);
    again.close();
  });

  it('recovers from the recovery point: a crash with everything flushed loses nothing', async () => {
    const log = open(true);
    fill(log, 30);
    log.flush();
    const point = log.recoveryPoint;
    expect(point).toBe(150);
    fill(log, 5);
    // No close: the process died. The files hold what write() put in the page cache.
    const recovered = open(false, point);
    expect(recovered.logEndOffset).toBe(175);
    // Recovery checked the tail but did not make it durable: the recovery point stays put.
    expect(recovered.recoveryPoint).toBe(150);
    recovered.close();
  });

  it('removes leftovers of an interrupted deletion or truncation', () => {
    const log = open(true);
    fill(log, 3);
    log.close();
    fs.writeFileSync(path.join(dir, '00000000000000000099.log.deleted'), 'x');
    fs.writeFileSync(path.join(dir, '00000000000000000000.log.truncating'), 'x');
    fs.writeFileSync(path.join(dir, '00000000000000000777.index'), Buffer.alloc(8));
    const again = open(true);
    expect(fs.readdirSync(dir).sort()).toEqual([
      '00000000000000000000.index',
      '00000000000000000000.log',
      '00000000000000000000.timeindex',
    ]);
    again.close();
  });
});
