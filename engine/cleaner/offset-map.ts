/**
 * The compaction key map: for each record key, the offset of its latest record — what the cleaner
 * keeps. Keys are not stored, only a 96-bit fingerprint (xxhash64 with one seed, xxhash32 with
 * another): two different keys would have to collide in both to be taken for one another, and the
 * chance of that, even with a billion keys, is below 10^-10. So a collision can not in practice
 * lose a record, and the map's memory does not grow with key sizes.
 *
 * Layout: one Buffer of fixed slots, open addressing with linear probing.
 *
 *   slot (20 bytes):  fingerprint hi  uint32  (xxhash64 high half; 0 marks an empty slot, so a
 *                                             real 0 is stored as 1 — one bit of the 96 given up)
 *                     fingerprint lo  uint32  (xxhash64 low half)
 *                     fingerprint 3   uint32  (xxhash32, the other seed)
 *                     offset          float64 (exact to 2^53)
 *
 * The map refuses puts past a load factor of 0.9 (`isFull`): the cleaner then cleans what it has
 * mapped so far and maps the rest in a later pass, as Kafka's does.
 */
import xxhash from 'xxhash-wasm';

const SLOT = 20;
const SEED64 = 0x4b494c4e_0000_0001n; // arbitrary, fixed: the fingerprints must be stable
const SEED32 = 0x6b696c6e;
const MAX_LOAD = 0.9;

type Hasher = Awaited<ReturnType<typeof xxhash>>;
let hasher: Promise<Hasher> | undefined;

export class OffsetMap {
  private readonly table: Buffer;
  private used = 0;
  private lookups = 0;
  private probes = 0;

  private constructor(
    private readonly hash: Hasher,
    readonly slots: number,
    shared: SharedArrayBuffer,
    used: number,
  ) {
    this.table = Buffer.from(shared);
    this.used = used;
  }

  /**
   * A map with room for `slots` slots (20 bytes each), e.g. from log.cleaner.dedupe.buffer.size.
   * Its table is shared memory, so the cleaner's worker threads fill and read it without a copy.
   */
  static async create(slots: number): Promise<OffsetMap> {
    if (!Number.isInteger(slots) || slots < 1) throw new RangeError(`bad slot count ${slots}`);
    hasher ??= xxhash();
    return new OffsetMap(await hasher, slots, new SharedArrayBuffer(slots * SLOT), 0);
  }

  /** The same map seen from another thread (see `shared`). */
  static async attach(shared: { table: SharedArrayBuffer; slots: number; used: number }): Promise<OffsetMap> {
    hasher ??= xxhash();
    return new OffsetMap(await hasher, shared.slots, shared.table, shared.used);
  }

  /** What another thread needs to attach to this map; `used` must be passed back after it writes. */
  get shared(): { table: SharedArrayBuffer; slots: number; used: number } {
    return { table: this.table.buffer as SharedArrayBuffer, slots: this.slots, used: this.used };
  }

  /** Takes the key count another thread reached while filling the shared table. */
  setUsed(used: number): void {
    this.used = used;
  }

  /** Slots that fit in `bytes` of memory. */
  static slotsFor(bytes: number): number {
    return Math.max(1, Math.floor(bytes / SLOT));
  }

  get size(): number {
    return this.used;
  }

  /** No more keys fit under the load factor. */
  get isFull(): boolean {
    return this.used >= Math.floor(this.slots * MAX_LOAD);
  }

  /** Mean probes per lookup so far (1 is perfect). */
  get probeRate(): number {
    return this.lookups === 0 ? 1 : this.probes / this.lookups;
  }

  /**
   * Records `offset` as the latest for `key`. Offsets must be put in increasing order; a later
   * put of the same key replaces the earlier one. Returns false when the map is full and the key
   * is new.
   */
  put(key: Uint8Array, offset: number): boolean {
    const [a, b, c] = this.fingerprint(key);
    let slot = this.home(a, b);
    for (;;) {
      const at = slot * SLOT;
      const hi = this.table.readUInt32BE(at);
      if (hi === 0) {
        if (this.isFull) return false;
        this.table.writeUInt32BE(a, at);
        this.table.writeUInt32BE(b, at + 4);
        this.table.writeUInt32BE(c, at + 8);
        this.table.writeDoubleBE(offset, at + 12);
        this.used++;
        return true;
      }
      if (hi === a && this.table.readUInt32BE(at + 4) === b && this.table.readUInt32BE(at + 8) === c) {
        this.table.writeDoubleBE(offset, at + 12);
        return true;
      }
      slot = slot + 1 === this.slots ? 0 : slot + 1;
    }
  }

  /** The latest offset put for `key`, or -1. */
  get(key: Uint8Array): number {
    const [a, b, c] = this.fingerprint(key);
    let slot = this.home(a, b);
    this.lookups++;
    for (let probe = 0; probe < this.slots; probe++) {
      this.probes++;
      const at = slot * SLOT;
      const hi = this.table.readUInt32BE(at);
      if (hi === 0) return -1;
      if (hi === a && this.table.readUInt32BE(at + 4) === b && this.table.readUInt32BE(at + 8) === c) {
        return this.table.readDoubleBE(at + 12);
      }
      slot = slot + 1 === this.slots ? 0 : slot + 1;
    }
    return -1;
  }

  clear(): void {
    this.table.fill(0);
    this.used = 0;
    this.lookups = 0;
    this.probes = 0;
  }

  private fingerprint(key: Uint8Array): [number, number, number] {
    const h64 = this.hash.h64Raw(key, SEED64);
    const hi = Number(h64 >> 32n) || 1; // 0 marks an empty slot
    return [hi, Number(h64 & 0xffff_ffffn), this.hash.h32Raw(key, SEED32)];
  }

  private home(a: number, b: number): number {
    return ((a ^ b) >>> 0) % this.slots;
  }
}
