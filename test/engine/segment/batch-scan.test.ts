import { describe, expect, it } from 'vitest';
import { buildBatch } from '../../../engine/record/batch-builder.js';
import { setBaseOffset } from '../../../engine/record/record-batch.js';
import {
  SCAN_HEADER_BYTES,
  ScanResult,
  scanReadEnd,
  scanToOffset,
  scanToTimestamp,
} from '../../../engine/segment/batch-scan.js';

const T0 = 1_750_000_000_000;

/**
 * Four batches: offsets [0,2] max ts T0+10, [3,7] max ts T0+5, a gap, [20,21] max ts T0+30,
 * [22,22] max ts T0+40.
 */
const layout: { base: number; count: number; maxTs: number; valueSize: number }[] = [
  { base: 0, count: 3, maxTs: T0 + 10, valueSize: 30 },
  { base: 3, count: 5, maxTs: T0 + 5, valueSize: 50 },
  { base: 20, count: 2, maxTs: T0 + 30, valueSize: 10 },
  { base: 22, count: 1, maxTs: T0 + 40, valueSize: 70 },
];

const parts = layout.map(({ base, count, maxTs, valueSize }) => {
  const records = Array.from({ length: count }, (_, j) => ({
    key: `k${base + j}`,
    value: 'v'.repeat(valueSize),
    timestamp: j === 0 ? maxTs : maxTs - j,
  }));
  const b = buildBatch({ records });
  setBaseOffset(b, 0, base);
  return b;
});
const buf = Buffer.concat(parts);
const sizes = parts.map((p) => p.length);
const pos: number[] = [];
for (let i = 0, p = 0; i < parts.length; p += sizes[i]!, i++) pos.push(p);
const [p0, p1, p2, p3] = pos as [number, number, number, number];
const [s0, s1, s2, s3] = sizes as [number, number, number, number];
const END = buf.length;

describe('scanToOffset', () => {
  const out = new ScanResult();
  const found = (r: ScanResult) => ({
    status: r.status,
    position: r.position,
    baseOffset: r.baseOffset,
    lastOffset: r.lastOffset,
    size: r.size,
  });

  it('finds the batch holding the target, or the next one after a gap', () => {
    expect(found(scanToOffset(buf, 0, 0, END, 0, out))).toEqual({
      status: 'found',
      position: p0,
      baseOffset: 0,
      lastOffset: 2,
      size: s0,
    });
    expect(found(scanToOffset(buf, 0, 0, END, 2, out))).toMatchObject({ position: p0, lastOffset: 2 });
    expect(found(scanToOffset(buf, 0, 0, END, 3, out))).toEqual({
      status: 'found',
      position: p1,
      baseOffset: 3,
      lastOffset: 7,
      size: s1,
    });
    expect(found(scanToOffset(buf, 0, 0, END, 10, out))).toEqual({
      status: 'found',
      position: p2,
      baseOffset: 20,
      lastOffset: 21,
      size: s2,
    });
    expect(found(scanToOffset(buf, 0, 0, END, 22, out))).toMatchObject({ position: p3, size: s3 });
  });

  it('reports end past the last offset, and at limit', () => {
    expect(scanToOffset(buf, 0, 0, END, 23, out)).toMatchObject({ status: 'end', position: END });
    expect(scanToOffset(buf, 0, 0, p2, 20, out)).toMatchObject({ status: 'end', position: p2 });
    expect(scanToOffset(buf, 0, p3, p3, 0, out)).toMatchObject({ status: 'end', position: p3 });
  });

  it('starts from a later position', () => {
    expect(scanToOffset(buf, 0, p2, END, 0, out)).toMatchObject({ status: 'found', position: p2 });
  });

  it('works in a window that does not start at 0', () => {
    const window = buf.subarray(p1);
    expect(found(scanToOffset(window, p1, p1, END, 21, out))).toEqual({
      status: 'found',
      position: p2,
      baseOffset: 20,
      lastOffset: 21,
      size: s2,
    });
    expect(scanToOffset(window, p1, p1, END, 99, out)).toMatchObject({ status: 'end', position: END });
  });

  it('asks for more when the window ends inside a header it needs', () => {
    const cut = buf.subarray(0, p1 + 20);
    expect(scanToOffset(cut, 0, 0, END, 5, out)).toMatchObject({ status: 'more', position: p1 });
    expect(scanToOffset(cut, 0, 0, END, 1, out)).toMatchObject({ status: 'found', position: p0 });
    // The scanned header fields are enough; the body may be outside the window.
    const headerOnly = buf.subarray(0, p1 + SCAN_HEADER_BYTES);
    expect(scanToOffset(headerOnly, 0, 0, END, 5, out)).toMatchObject({ status: 'found', position: p1 });
    const window = buf.subarray(p1, p2 + SCAN_HEADER_BYTES - 1);
    expect(scanToOffset(window, p1, p1, END, 22, out)).toMatchObject({ status: 'more', position: p2 });
  });
});

describe('scanToTimestamp', () => {
  const out = new ScanResult();
  it('finds the first batch whose max timestamp reaches the target', () => {
    expect(scanToTimestamp(buf, 0, 0, END, T0 + 6, 0, out)).toMatchObject({
      status: 'found',
      position: p0,
      baseOffset: 0,
      lastOffset: 2,
      size: s0,
    });
    // Batch 1's max (T0+5) is below batch 0's: the scan is by batch order, not by time.
    expect(scanToTimestamp(buf, 0, p1, END, T0 + 5, 0, out)).toMatchObject({ position: p1, baseOffset: 3 });
    expect(scanToTimestamp(buf, 0, 0, END, T0 + 11, 0, out)).toMatchObject({
      status: 'found',
      position: p2,
      baseOffset: 20,
      lastOffset: 21,
    });
    expect(scanToTimestamp(buf, 0, 0, END, T0 + 31, 0, out)).toMatchObject({ position: p3, size: s3 });
    expect(scanToTimestamp(buf, 0, 0, END, T0 + 41, 0, out)).toMatchObject({ status: 'end', position: END });
    expect(scanToTimestamp(buf, 0, 0, p3, T0 + 31, 0, out)).toMatchObject({ status: 'end', position: p3 });
  });

  it('skips batches whose offsets are all below minOffset', () => {
    expect(scanToTimestamp(buf, 0, 0, END, T0 + 5, 3, out)).toMatchObject({ status: 'found', position: p1 });
    expect(scanToTimestamp(buf, 0, 0, END, T0 + 5, 2, out)).toMatchObject({ status: 'found', position: p0 });
    expect(scanToTimestamp(buf, 0, 0, END, T0 + 5, 8, out)).toMatchObject({
      status: 'found',
      position: p2,
      baseOffset: 20,
    });
    expect(scanToTimestamp(buf, 0, 0, END, T0 + 31, 21, out)).toMatchObject({ position: p3 });
    expect(scanToTimestamp(buf, 0, 0, END, T0, 23, out)).toMatchObject({ status: 'end', position: END });
  });

  it('in a shifted window and a window cut mid-header', () => {
    expect(scanToTimestamp(buf.subarray(p2), p2, p2, END, T0 + 35, 0, out)).toMatchObject({
      status: 'found',
      position: p3,
      baseOffset: 22,
      lastOffset: 22,
    });
    expect(scanToTimestamp(buf.subarray(p1, p2 + 40), p1, p1, END, T0 + 35, 0, out)).toMatchObject({
      status: 'more',
      position: p2,
    });
  });
});

describe('scanReadEnd', () => {
  const ALL = Number.MAX_SAFE_INTEGER;

  it('reads everything when nothing limits it', () => {
    expect(scanReadEnd(buf, 0, 0, END, ALL, ALL, false)).toBe(END);
    expect(scanReadEnd(buf, 0, p2, END, ALL, ALL, false)).toBe(END);
  });

  it('upToOffset at a batch boundary and inside a batch', () => {
    expect(scanReadEnd(buf, 0, 0, END, ALL, 3, false)).toBe(p1);
    expect(scanReadEnd(buf, 0, 0, END, ALL, 5, false)).toBe(p1);
    expect(scanReadEnd(buf, 0, 0, END, ALL, 8, false)).toBe(p2);
    expect(scanReadEnd(buf, 0, 0, END, ALL, 20, false)).toBe(p2);
    expect(scanReadEnd(buf, 0, 0, END, ALL, 22, false)).toBe(p3);
    expect(scanReadEnd(buf, 0, 0, END, ALL, 0, false)).toBe(0);
    expect(scanReadEnd(buf, 0, 0, END, ALL, 0, true)).toBe(0);
  });

  it('maxBytes keeps whole batches only', () => {
    expect(scanReadEnd(buf, 0, 0, END, s0 + s1, ALL, false)).toBe(p2);
    expect(scanReadEnd(buf, 0, 0, END, s0 + s1 - 1, ALL, false)).toBe(p1);
    expect(scanReadEnd(buf, 0, p1, END, s1 + s2, ALL, false)).toBe(p3);
    expect(scanReadEnd(buf, 0, 0, END, s0 - 1, ALL, false)).toBe(0);
  });

  it('minOne includes a first batch larger than maxBytes, and only that one', () => {
    expect(scanReadEnd(buf, 0, 0, END, 10, ALL, true)).toBe(p1);
    expect(scanReadEnd(buf, 0, 0, END, 10, ALL, false)).toBe(0);
    expect(scanReadEnd(buf, 0, p1, END, 1, ALL, true)).toBe(p2);
    expect(scanReadEnd(buf, 0, p3, END, 0, ALL, true)).toBe(END);
  });

  it('stops at a limit before the end, even mid-batch', () => {
    expect(scanReadEnd(buf, 0, 0, p2, ALL, ALL, false)).toBe(p2);
    expect(scanReadEnd(buf, 0, 0, p2 + 5, ALL, ALL, false)).toBe(p2);
    expect(scanReadEnd(buf, 0, 0, p2 + 5, ALL, ALL, true)).toBe(p2);
    expect(scanReadEnd(buf, 0, 0, p0 + 5, ALL, ALL, true)).toBe(0);
  });

  it('in a window that does not start at 0', () => {
    const window = buf.subarray(p1);
    expect(scanReadEnd(window, p1, p1, END, ALL, ALL, false)).toBe(END);
    expect(scanReadEnd(window, p1, p2, END, ALL, 22, false)).toBe(p3);
    expect(scanReadEnd(window, p1, p1, END, s1, ALL, false)).toBe(p2);
  });

  it('a window cut inside a later header ends the run there', () => {
    expect(scanReadEnd(buf.subarray(0, p1 + 10), 0, 0, END, ALL, ALL, false)).toBe(p1);
    expect(scanReadEnd(buf.subarray(0, p1 + 10), 0, 0, END, ALL, ALL, true)).toBe(p1);
    expect(scanReadEnd(buf.subarray(0, p2 + 42), 0, 0, END, ALL, ALL, false)).toBe(p2);
    expect(scanReadEnd(buf.subarray(p1, p2 + 30), p1, p1, END, ALL, ALL, false)).toBe(p2);
    // A window that ends on the boundary where the limit is needs nothing more.
    expect(scanReadEnd(buf.subarray(0, p2), 0, 0, p2, ALL, ALL, false)).toBe(p2);
    // Only the header is needed to decide; the body may lie outside the window.
    expect(scanReadEnd(buf.subarray(0, p1 + SCAN_HEADER_BYTES), 0, 0, END, s0, ALL, false)).toBe(p1);
  });

  it('returns -1 when the window ends inside the first header', () => {
    expect(scanReadEnd(buf.subarray(0, 20), 0, 0, END, ALL, ALL, false)).toBe(-1);
    expect(scanReadEnd(buf.subarray(0, SCAN_HEADER_BYTES - 1), 0, 0, END, ALL, ALL, true)).toBe(-1);
    expect(scanReadEnd(buf.subarray(p1, p1 + SCAN_HEADER_BYTES - 1), p1, p1, END, 1, ALL, true)).toBe(-1);
    expect(scanReadEnd(buf.subarray(p2, p2 + 5), p2, p2, END, ALL, ALL, false)).toBe(-1);
    expect(scanReadEnd(Buffer.alloc(0), p3, p3, END, ALL, ALL, false)).toBe(-1);
    // At the limit nothing is read, so nothing is missing.
    expect(scanReadEnd(Buffer.alloc(0), END, END, END, ALL, ALL, false)).toBe(END);
  });
});
