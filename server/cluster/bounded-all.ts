/**
 * Runs `task` on every item, at most `limit` at a time (ZooKeeper reads and writes for thousands
 * of topics or partitions go out in a bounded stream, not all at once). Resolves with the answers in
 * the items' order; rejects with the first failure.
 */
export async function boundedAll<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await task(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
