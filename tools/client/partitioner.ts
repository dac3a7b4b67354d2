/** Kafka's murmur2 (the default partitioner's hash), so keys land where Kafka clients put them. */
export function murmur2(data: Buffer, length = data.length): number {
  const m = 0x5bd1e995;
  let h = (0x9747b28c ^ length) | 0;
  const length4 = length & ~3;
  for (let i = 0; i < length4; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  const left = length & 3;
  if (left === 3) h ^= data[length4 + 2]! << 16;
  if (left >= 2) h ^= data[length4 + 1]! << 8;
  if (left >= 1) {
    h ^= data[length4]!;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/** The partition Kafka's default partitioner picks for a keyed record. */
export function partitionForKey(key: Buffer, partitions: number, length = key.length): number {
  return (murmur2(key, length) & 0x7fffffff) % partitions;
}
