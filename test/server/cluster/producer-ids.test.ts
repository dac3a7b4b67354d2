import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PRODUCER_IDS_FILE, ProducerIdAllocator } from '../../../server/cluster/producer-ids.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';

describe('ProducerIdAllocator', () => {
  let dir: string;
  beforeEach(() => {
    dir = makeTempDir('kiln-pids-');
  });
  afterEach(() => removeTempDir(dir));

  it('hands out no id from a block it could not record (a retry after a full disk got an unrecorded id)', () => {
    const ids = new ProducerIdAllocator(dir);
    // The file cannot be written: a non-empty directory stands where it goes.
    fs.mkdirSync(path.join(dir, PRODUCER_IDS_FILE, 'x'), { recursive: true });
    expect(() => ids.allocate()).toThrow();
    expect(() => ids.allocate()).toThrow();
    fs.rmSync(path.join(dir, PRODUCER_IDS_FILE), { recursive: true });
    expect(ids.allocate()).toBe(0);
    // A restart goes on after the recorded block, never back into it.
    expect(new ProducerIdAllocator(dir).allocate()).toBe(1000);
  });
});
