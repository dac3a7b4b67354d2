import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeCheckpoint } from '../../engine/index.js';
import { command } from '../../tools/commands/dump-log.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { TOPIC, jsonLines, runCaptured, writePartition } from './fixtures.js';
import type { WrittenRecord } from './fixtures.js';

describe('kiln dump-log', () => {
  let root: string;
  let dir: string;
  let written: WrittenRecord[];
  const files = (suffix: string): string[] =>
    fs
      .readdirSync(dir)
      .filter((f) => f.endsWith(suffix))
      .sort()
      .map((f) => path.join(dir, f));
  const allLogs = (): string => files('.log').join(',');

  beforeEach(() => {
    root = makeTempDir('kiln-dump-');
    dir = path.join(root, `${TOPIC}-0`);
    written = writePartition(root);
  });
  afterEach(() => removeTempDir(root));

  it('prints one line per batch covering every offset written', async () => {
    expect(files('.log').length).toBeGreaterThan(2);
    const { code, out } = await runCaptured(command, ['--files', allLogs()]);
    expect(code).toBe(0);
    const batchLines = out.split('\n').filter((l) => l.startsWith('baseOffset:'));
    expect(batchLines).toHaveLength(written.length / 5);
    expect(batchLines[0]).toContain('baseOffset: 0 lastOffset: 4 count: 5 position: 0');
    expect(out).toContain('codec: gzip');
    expect(out).toContain('codec: zstd');
    expect(out).toContain('crcValid: true');
  });

  it('prints keys, values and headers with --print-data-log, in JSON lines', async () => {
    const { code, out } = await runCaptured(command, ['--files', allLogs(), '--print-data-log', '--json']);
    expect(code).toBe(0);
    const lines = jsonLines(out);
    const records = lines.filter((l) => l.type === 'record');
    expect(records.map((r) => [r.offset, r.key, r.value, r.timestamp])).toEqual(
      written.map((w) => [w.offset, w.key, w.value, w.timestamp]),
    );
    expect(records[0]!.headers).toEqual([{ key: 'h', value: 'hv0' }]);
    const batches = lines.filter((l) => l.type === 'batch');
    expect(batches).toHaveLength(20);
    expect(batches[1]).toMatchObject({
      baseOffset: 5,
      lastOffset: 9,
      count: 5,
      codec: 'gzip',
      crcValid: true,
    });
  });

  it('decodes values as JSON or hex', async () => {
    const log = files('.log')[0]!;
    const asJson = jsonLines(
      (await runCaptured(command, ['--files', log, '--print-data-log', '--value-decoder', 'json', '--json']))
        .out,
    );
    expect(asJson.find((l) => l.type === 'record')!.value).toEqual({ batch: 0, i: 0 });
    const pretty = (
      await runCaptured(command, ['--files', log, '--print-data-log', '--value-decoder', 'json'])
    ).out;
    expect(pretty).toContain('"batch": 0');
    const hex = jsonLines(
      (await runCaptured(command, ['--files', log, '--print-data-log', '--value-decoder', 'hex', '--json']))
        .out,
    );
    expect(hex.find((l) => l.type === 'record')!.key).toBe(Buffer.from('k0-0').toString('hex'));
  });

  it('shows record sizes with --deep-iteration and stops at --max-bytes', async () => {
    const log = files('.log')[0]!;
    const deep = (await runCaptured(command, ['--files', log, '--deep-iteration'])).out;
    expect(deep).toContain('| offset: 0 timestamp: 1700000000000 keySize: 4');
    const all = jsonLines((await runCaptured(command, ['--files', log, '--json'])).out);
    const first = all[0]! as { size: number };
    const limited = await runCaptured(command, ['--files', log, '--json', '--max-bytes', String(first.size)]);
    expect(limited.code).toBe(0);
    expect(jsonLines(limited.out)).toHaveLength(1);
  });

  it('reports a corrupt batch and stops there with exit 1', async () => {
    const log = files('.log')[0]!;
    const bytes = fs.readFileSync(log);
    const second = bytes.readInt32BE(8) + 12;
    bytes.writeUInt8(bytes.readUInt8(second + 70) ^ 0xff, second + 70); // inside the second batch: a CRC mismatch
    fs.writeFileSync(log, bytes);
    const { code, out } = await runCaptured(command, ['--files', log, '--json']);
    expect(code).toBe(1);
    const lines = jsonLines(out);
    expect(lines.map((l) => l.type)).toEqual(['batch', 'error']);
    expect(lines[1]).toMatchObject({ position: second });
    expect(String(lines[1]!.message)).toMatch(/CRC/);
  });

  it('dumps and verifies index files', async () => {
    const index = files('.index')[0]!;
    const entries = jsonLines((await runCaptured(command, ['--files', index, '--json'])).out);
    expect(entries.length).toBeGreaterThan(0);
    expect(entries[0]).toMatchObject({ type: 'index' });
    const times = jsonLines((await runCaptured(command, ['--files', files('.timeindex')[0]!, '--json'])).out);
    expect(times[0]).toMatchObject({ type: 'timeindex' });
    expect((await runCaptured(command, ['--files', index, '--verify-index-only'])).code).toBe(0);
    expect((await runCaptured(command, ['--files', index, '--index-sanity-check'])).code).toBe(0);

    // An entry pointing inside a batch.
    const bytes = fs.readFileSync(index);
    bytes.writeInt32BE(bytes.readInt32BE(4) + 3, 4);
    fs.writeFileSync(index, bytes);
    const bad = await runCaptured(command, ['--files', index, '--verify-index-only']);
    expect(bad.code).toBe(1);
    expect(bad.out).toContain('not a batch boundary');
  });

  it('dumps checkpoint files', async () => {
    const file = path.join(root, 'recovery-point-offset-checkpoint');
    writeCheckpoint(file, [{ topic: TOPIC, partition: 0, offset: 42 }]);
    const { code, out } = await runCaptured(command, ['--files', file, '--json']);
    expect(code).toBe(0);
    expect(jsonLines(out)).toEqual([{ type: 'checkpoint', partition: `${TOPIC}-0`, offset: 42 }]);
  });

  it('dumps producer snapshots', async () => {
    const snapshot = files('.snapshot').at(-1)!;
    const { code, out } = await runCaptured(command, ['--files', snapshot, '--json']);
    expect(code).toBe(0);
    expect(jsonLines(out)).toEqual([
      expect.objectContaining({
        type: 'producer',
        producerId: 7,
        producerEpoch: 1,
        lastSequence: 4,
        lastOffset: 99,
      }),
    ]);
  });

  it('rejects bad usage', async () => {
    await expect(command.run([])).rejects.toThrow(/--files/);
    await expect(command.run(['--files', files('.log')[0]!, '--value-decoder', 'xml'])).rejects.toThrow(
      /decoder/,
    );
  });

  it('runs through the real CLI binary', () => {
    const log = files('.log')[0]!;
    const root = path.resolve(import.meta.dirname, '../..');
    const out = execFileSync(
      process.execPath,
      [path.join(root, 'bin/kiln.js'), 'dump-log', '--files', log, '--json'],
      {
        cwd: root,
        encoding: 'utf8',
      },
    );
    const lines = jsonLines(out);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((l) => l.type === 'batch')).toBe(true);
    expect(lines[0]).toMatchObject({ baseOffset: 0, lastOffset: 4, codec: 'none' });
  });
});
