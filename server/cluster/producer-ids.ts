/**
 * Producer ids for idempotent producers: unique across restarts. Ids are handed out from blocks of
 * 1000 whose end is recorded in `<first log dir>/kiln-producer-ids.json` before the block is used,
 * so a crash can skip ids but never hand one out twice.
 *
 * A file that cannot be read or parsed (damage) must neither stop the broker from starting nor
 * let an id be handed out twice: blocks then start from the current time in milliseconds times
 * 1000, above any block counted from 0 (a million ids per millisecond of uptime would be needed
 * to catch up), and below 2^53.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomically } from '../../engine/index.js';

export const PRODUCER_IDS_FILE = 'kiln-producer-ids.json';
const BLOCK = 1000;

export class ProducerIdAllocator {
  private next: number;
  private blockEnd: number;

  constructor(
    private readonly dir: string,
    warn: (message: string) => void = () => {},
  ) {
    const saved = readSaved(path.join(dir, PRODUCER_IDS_FILE), warn);
    this.next = saved;
    this.blockEnd = saved;
  }

  allocate(): number {
    if (this.next >= this.blockEnd) {
      // The block is used only once it is on disk: a failed write hands out nothing from it.
      const end = this.next + BLOCK;
      writeFileAtomically(path.join(this.dir, PRODUCER_IDS_FILE), JSON.stringify({ nextBlock: end }));
      this.blockEnd = end;
    }
    return this.next++;
  }
}

function readSaved(file: string, warn: (message: string) => void): number {
  if (!fs.existsSync(file)) return 0;
  try {
    const saved = (JSON.parse(fs.readFileSync(file, 'utf8')) as { nextBlock?: unknown }).nextBlock;
    if (typeof saved === 'number' && Number.isSafeInteger(saved) && saved >= 0) return saved;
    throw new Error(`nextBlock is ${JSON.stringify(saved)}`);
  } catch (err) {
    const from = Date.now() * 1000;
    warn(`${file} cannot be read (${(err as Error).message}): producer ids go on from ${from}`);
    return from;
  }
}
