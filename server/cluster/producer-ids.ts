/**
 * Producer ids for idempotent producers: unique across restarts. Ids are handed out from blocks of
 * 1000 whose end is recorded in `<first log dir>/kiln-producer-ids.json` before the block is used,
 * so a crash can skip ids but never hand one out twice.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomically } from '../../engine/index.js';

export const PRODUCER_IDS_FILE = 'kiln-producer-ids.json';
const BLOCK = 1000;

export class ProducerIdAllocator {
  private next: number;
  private blockEnd: number;

  constructor(private readonly dir: string) {
    const file = path.join(dir, PRODUCER_IDS_FILE);
    const saved = fs.existsSync(file)
      ? (JSON.parse(fs.readFileSync(file, 'utf8')) as { nextBlock: number }).nextBlock
      : 0;
    this.next = saved;
    this.blockEnd = saved;
  }

  allocate(): number {
    if (this.next >= this.blockEnd) {
      this.blockEnd = this.next + BLOCK;
      writeFileAtomically(
        path.join(this.dir, PRODUCER_IDS_FILE),
        JSON.stringify({ nextBlock: this.blockEnd }),
      );
    }
    return this.next++;
  }
}
