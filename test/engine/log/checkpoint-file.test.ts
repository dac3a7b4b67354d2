import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StorageError } from '../../../engine/errors.js';
import { readCheckpoint, writeCheckpoint } from '../../../engine/log/checkpoint-file.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';

describe('checkpoint files', () => {
  let dir: string;
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(() => removeTempDir(dir));

  it("writes Kafka's text format and reads it back", () => {
    const file = path.join(dir, 'recovery-point-offset-checkpoint');
    writeCheckpoint(file, [
      { topic: 'orders', partition: 0, offset: 1500 },
      { topic: 'my-topic', partition: 12, offset: 42 },
    ]);
    expect(fs.readFileSync(file, 'utf8')).toBe('0\n2\norders 0 1500\nmy-topic 12 42\n');
    const entries = readCheckpoint(file);
    expect(entries.get('orders-0')).toBe(1500);
    expect(entries.get('my-topic-12')).toBe(42);
    expect(fs.existsSync(`${file}.tmp`)).toBe(false);
  });

  it('treats a missing file as empty', () => {
    expect(readCheckpoint(path.join(dir, 'none')).size).toBe(0);
  });

  it.each([
    ['1\n0\n', /unknown version/],
    ['0\n2\norders 0 1\n', /expected 2 entries, found 1/],
    ['0\n1\norders x 1\n', /bad line/],
    ['0\nmany\n', /bad entry count/],
  ])('rejects a malformed file %j', (text, message) => {
    const file = path.join(dir, 'cp');
    fs.writeFileSync(file, text);
    expect(() => readCheckpoint(file)).toThrow(StorageError);
    expect(() => readCheckpoint(file)).toThrow(message);
  });
});
