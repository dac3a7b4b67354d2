import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { command } from '../../tools/commands/segments.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { BASE_TIME, TOPIC, jsonLines, runCaptured, writePartition } from './fixtures.js';
import { kiln } from './run-command.js';
import type { WrittenRecord } from './fixtures.js';

describe('kiln segments', () => {
  let root: string;
  let written: WrittenRecord[];

  beforeEach(() => {
    root = makeTempDir('kiln-segments-');
    written = writePartition(root);
    writePartition(root, 3, 1);
  });
  afterEach(() => removeTempDir(root));

  it('lists contiguous ranges that cover every offset written', async () => {
    const { code, out } = await runCaptured(command, [root, '--json']);
    expect(code).toBe(0);
    const rows = jsonLines(out).filter((r) => r.partition === `${TOPIC}-0`) as unknown as {
      baseOffset: number;
      lastOffset: number;
      size: number;
      batches: number;
      minTimestamp: number;
      maxTimestamp: number;
      hasIndex: boolean;
    }[];
    expect(rows.length).toBeGreaterThan(2);
    expect(rows[0]!.baseOffset).toBe(0);
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.baseOffset).toBe(rows[i - 1]!.lastOffset + 1);
    expect(rows.at(-1)!.lastOffset).toBe(written.at(-1)!.offset);
    expect(rows.reduce((n, r) => n + r.batches, 0)).toBe(20);
    expect(rows[0]!.minTimestamp).toBe(BASE_TIME);
    expect(rows.at(-1)!.maxTimestamp).toBe(written.at(-1)!.timestamp);
    const dir = path.join(root, `${TOPIC}-0`);
    for (const row of rows) {
      expect(row.hasIndex).toBe(true);
      expect(row.size).toBe(
        fs.statSync(path.join(dir, `${String(row.baseOffset).padStart(20, '0')}.log`)).size,
      );
    }
    const other = jsonLines(out).filter((r) => r.partition === `${TOPIC}-1`);
    expect(other).toEqual([expect.objectContaining({ baseOffset: 0, lastOffset: 14, batches: 3 })]);
  });

  it('prints an aligned table per partition', async () => {
    fs.rmSync(path.join(root, `${TOPIC}-1`, '00000000000000000000.index'));
    const { code, out } = await runCaptured(command, [root]);
    expect(code).toBe(0);
    expect(out).toContain(`${TOPIC}-0 (`);
    const table = out.split(`${TOPIC}-1 (1 segments)\n`)[1]!.split('\n');
    expect(table[0]).toMatch(/^BASE\s+LAST\s+SIZE\s+BATCHES\s+FIRST TIMESTAMP/);
    expect(table[1]).toMatch(/^\s*0\s+14\s+\d+\s+3\s+2023-11-14T\S+\s+\S+\s+no\s+yes\s+(dirty|active)$/);
    // Aligned: the LAST column ends at the same place in the header and the row.
    expect(table[0]!.indexOf('LAST') + 4).toBe(table[1]!.indexOf('14') + 2);
  });

  it('shows the segments kiln compact cleaned as cleaned', async () => {
    const states = async (): Promise<unknown[]> =>
      jsonLines((await runCaptured(command, [path.join(root, `${TOPIC}-0`), '--json'])).out).map(
        (r) => r.compaction,
      );
    const before = await states();
    expect(before.length).toBeGreaterThan(2);
    expect(before).toEqual([...Array(before.length - 1).fill('dirty'), 'active']);
    const compacted = await kiln('compact', path.join(root, `${TOPIC}-0`));
    expect(compacted.code).toBe(0);
    expect(await states()).toEqual([...Array(before.length - 1).fill('cleaned'), 'active']);
    const table = (await runCaptured(command, [root])).out;
    expect(table).toMatch(/\scleaned\n/);
  });

  it('lists a single partition directory given directly', async () => {
    const { out } = await runCaptured(command, [path.join(root, `${TOPIC}-1`), '--json']);
    expect(jsonLines(out)).toHaveLength(1);
  });
});
