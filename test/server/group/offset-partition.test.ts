import { describe, expect, it } from 'vitest';
import { javaStringHashCode, partitionForGroup } from '../../../server/group/offset-store.js';

describe('partitioning', () => {
  it('hashes as Java String.hashCode does', () => {
    expect(javaStringHashCode('hello')).toBe(99162322);
    expect(javaStringHashCode('')).toBe(0);
    expect(javaStringHashCode('é')).toBe(233);
    expect(javaStringHashCode('日本')).toBe(26085 * 31 + 26412);
    // A surrogate pair hashes as its two UTF-16 code units.
    expect(javaStringHashCode('😀')).toBe(0xd83d * 31 + 0xde00);
    expect(javaStringHashCode('polygenelubricants')).toBe(-2147483648);
  });

  it('places groups as Kafka does, Integer.MIN_VALUE included', () => {
    expect(partitionForGroup('hello', 50)).toBe(99162322 % 50);
    expect(partitionForGroup('', 50)).toBe(0);
    expect(partitionForGroup('polygenelubricants', 50)).toBe(0);
    expect(partitionForGroup('grüße-gruppe', 50)).toBe(Math.abs(javaStringHashCode('grüße-gruppe')) % 50);
  });
});
