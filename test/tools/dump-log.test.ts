import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildBatch, writeCheckpoint } from '../../engine/index.js';
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

  it("prints one line per batch covering every offset written, in kafka-dump-log's layout", async () => {
    expect(files('.log').length).toBeGreaterThan(2);
    const { code, out } = await runCaptured(command, ['--files', allLogs()]);
    expect(code).toBe(0);
    const lines = out.split('\n');
    expect(lines[0]).toBe(`Dumping ${files('.log')[0]!}`);
    expect(lines[1]).toBe('Starting offset: 0');
    const batchLines = lines.filter((l) => l.startsWith('baseOffset:'));
    expect(batchLines).toHaveLength(written.length / 5);
    expect(batchLines[0]).toMatch(
      /^baseOffset: 0 lastOffset: 4 count: 5 baseSequence: -1 lastSequence: -1 producerId: -1 producerEpoch: -1 partitionLeaderEpoch: -?\d+ isTransactional: false isControl: false position: 0 CreateTime: 1700000000004 size: \d+ magic: 2 compresscodec: NONE crc: \d+ isvalid: true$/,
    );
    expect(out).toContain('compresscodec: GZIP');
    expect(out).toContain('compresscodec: ZSTD');
    // The idempotent last batch: sequences 0..4 as Kafka prints them.
    expect(batchLines.at(-1)).toContain('baseSequence: 0 lastSequence: 4 producerId: 7 producerEpoch: 1');
    expect(out).not.toMatch(/crcValid|codec: [a-z]/); // Kiln's old field names are gone from the text
  });

  it('can be read the way scripts read kafka-dump-log output (awk on name: value fields)', async () => {
    const { out } = await runCaptured(command, ['--files', allLogs(), '--deep-iteration']);
    // What a script written for Kafka's tool does: pick fields by name off each batch line.
    const script = `/^baseOffset:/ { for (i = 1; i < NF; i += 2) f[$i] = $(i + 1);
      records += f["count:"]; codecs[f["compresscodec:"]] = 1; if (f["isvalid:"] != "true") bad++;
      last = f["lastOffset:"] }
      /^[|] offset:/ { deep++ }
      END { n = 0; for (c in codecs) n++; print records, n, bad + 0, last, deep }`;
    const summary = execFileSync('awk', [script], { input: out, encoding: 'utf8' }).trim();
    expect(summary).toBe(`${written.length} 5 0 ${written.at(-1)!.offset} ${written.length}`);

    // And the same with a regular expression over every batch line: only name: value pairs.
    const batchLines = out.split('\n').filter((l) => l.startsWith('baseOffset:'));
    const fieldOrder = batchLines[0]!.split(' ').filter((_, i) => i % 2 === 0);
    expect(fieldOrder).toEqual([
      'baseOffset:', 'lastOffset:', 'count:', 'baseSequence:', 'lastSequence:', 'producerId:',
      'producerEpoch:', 'partitionLeaderEpoch:', 'isTransactional:', 'isControl:', 'position:',
      'CreateTime:', 'size:', 'magic:', 'compresscodec:', 'crc:', 'isvalid:',
    ]); // prettier-ignore
    const codecs = batchLines.map((l) => /compresscodec: (\S+)/.exec(l)![1]);
    expect(codecs.slice(0, 5)).toEqual(['NONE', 'GZIP', 'SNAPPY', 'LZ4', 'ZSTD']);
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
    const text = (await runCaptured(command, ['--files', log, '--print-data-log', '--value-decoder', 'json']))
      .out;
    // One record per line, even for JSON values: the text layout is line-oriented.
    expect(text).toContain(
      '| offset: 0 CreateTime: 1700000000000 keySize: 4 valueSize: 17 sequence: -1 headerKeys: [h] key: k0-0 payload: {"batch":0,"i":0}\n',
    );
    const hex = jsonLines(
      (await runCaptured(command, ['--files', log, '--print-data-log', '--value-decoder', 'hex', '--json']))
        .out,
    );
    expect(hex.find((l) => l.type === 'record')!.key).toBe(Buffer.from('k0-0').toString('hex'));
  });

  it('shows record sizes with --deep-iteration and stops at --max-bytes', async () => {
    const log = files('.log')[0]!;
    const deep = (await runCaptured(command, ['--files', log, '--deep-iteration'])).out;
    expect(deep).toContain(
      '| offset: 0 CreateTime: 1700000000000 keySize: 4 valueSize: 17 sequence: -1 headerKeys: [h]\n',
    );
    expect(deep).not.toContain('payload:');
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
    const text = await runCaptured(command, ['--files', log]);
    expect(text.out).toContain(
      `Found ${bytes.length - second} invalid bytes at the end of ${path.basename(log)}`,
    );
  });

  it("accepts Kafka's flags: repeated --files, --max-message-size, decoder classes with a warning", async () => {
    const logs = files('.log');
    const stderr: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr.push(chunk.toString());
      return true;
    });
    try {
      const { code, out } = await runCaptured(command, [
        '--files', `${logs[0]!},${logs[1]!}`, '--files', logs[2]!,
        '--max-message-size', '5242880', '--print-data-log', '--skip-record-metadata',
        '--key-decoder-class', 'kafka.serializer.StringDecoder',
        '--value-decoder-class', 'com.example.AvroDecoder',
      ]); // prettier-ignore
      expect(code).toBe(0);
      expect(out.split('\n').filter((l) => l.startsWith('Dumping '))).toHaveLength(3);
      expect(out).toContain('| key: k0-0 payload: {"batch":0,"i":0}\n');
    } finally {
      spy.mockRestore();
    }
    // The default string decoder is what Kiln does anyway; another class is ignored, and said so.
    expect(stderr.join('')).toMatch(/--value-decoder-class com\.example\.AvroDecoder is ignored/);
    expect(stderr.join('')).not.toMatch(/key-decoder-class/);
    await expect(command.run(['--files', logs[0]!, '--max-message-size', 'lots'])).rejects.toThrow(
      /max-message-size/,
    );
  });

  it('shows transaction markers on control batch records', async () => {
    const file = path.join(root, '00000000000000000000.log');
    const key = Buffer.alloc(4);
    key.writeInt16BE(1, 2); // version 0, type COMMIT
    const value = Buffer.alloc(6);
    value.writeInt32BE(3, 2); // version 0, coordinator epoch 3
    fs.writeFileSync(
      file,
      buildBatch({ records: [{ key, value }], control: true, transactional: true, producerId: 9 }),
    );
    const { code, out } = await runCaptured(command, ['--files', file, '--print-data-log']);
    expect(code).toBe(0);
    expect(out).toMatch(/isTransactional: true isControl: true/);
    expect(out).toMatch(/\| offset: 0 .* endTxnMarker: COMMIT coordinatorEpoch: 3\n/);
    expect(out).not.toContain('payload:');
  });

  it('dumps and verifies index files', async () => {
    const index = files('.index')[0]!;
    const text = (await runCaptured(command, ['--files', `${index},${files('.timeindex')[0]!}`])).out;
    expect(text).toMatch(/^Dumping \S+\.index\noffset: \d+ position: \d+\n/);
    expect(text).toMatch(/\nDumping \S+\.timeindex\ntimestamp: \d+ offset: \d+\n/);
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
    const stderr: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr.push(chunk.toString());
      return true;
    });
    try {
      const bad = await runCaptured(command, ['--files', index, '--verify-index-only']);
      expect(bad.code).toBe(1);
      expect(bad.out).toContain('not a batch boundary');
      // Kafka's own report of the same, on stderr, for scripts that grep for it.
      const firstOffset = bytes.readInt32BE(0); // relative to base offset 0
      expect(stderr.join('')).toBe(
        `Mismatches in :${path.resolve(index)}\n  Index offset: ${firstOffset}, log offset: -1\n`,
      );
      stderr.length = 0;
      const timeindex = files('.timeindex')[0]!;
      const times = fs.readFileSync(timeindex);
      const stamp = Number(times.readBigInt64BE(0));
      times.writeBigInt64BE(BigInt(stamp + 1), 0);
      fs.writeFileSync(timeindex, times);
      expect((await runCaptured(command, ['--files', timeindex, '--verify-index-only'])).code).toBe(1);
      expect(stderr.join('')).toBe(
        `Found timestamp mismatch in :${path.resolve(timeindex)}\n  Index timestamp: ${stamp + 1}, log timestamp: ${stamp}\n`,
      );
    } finally {
      spy.mockRestore();
    }
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
    const text = (await runCaptured(command, ['--files', snapshot])).out;
    expect(text).toContain(
      'producerId: 7 producerEpoch: 1 coordinatorEpoch: -1 currentTxnFirstOffset: -1 firstSequence: 0 lastSequence: 4 lastOffset: 99 offsetDelta: 4 timestamp: ',
    );
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
