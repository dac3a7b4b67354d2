/**
 * How many more file descriptors this process may open: what creating partitions is checked
 * against, so that a CreateTopics or CreatePartitions asking for more than the machine allows is
 * refused up front instead of failing with EMFILE half way (and then at every start).
 *
 * Each partition holds two descriptors while it exists: its active segment's offset and time
 * indexes stay open for appends. Its .log files open on demand under the engine's OpenFileBudget,
 * which counts on its own share. A reserve is kept for sockets and everything else.
 */
import fs from 'node:fs';

/** Descriptors a partition holds while idle (its active segment's two index files). */
export const DESCRIPTORS_PER_PARTITION = 2;

/** The process's soft limit on open files, or undefined where /proc cannot tell. */
export function descriptorLimit(): number | undefined {
  try {
    const limits = fs.readFileSync('/proc/self/limits', 'utf8');
    const soft = /^Max open files\s+(\S+)/m.exec(limits)?.[1];
    if (soft === undefined) return undefined;
    return soft === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(soft);
  } catch {
    return undefined;
  }
}

/** Descriptors open now, or undefined where /proc cannot tell. */
export function openDescriptors(): number | undefined {
  try {
    return fs.readdirSync('/proc/self/fd').length;
  } catch {
    return undefined;
  }
}

/**
 * Why `partitions` new partitions would not fit in the descriptor limit, or undefined when they
 * fit (or the limit cannot be read). A quarter of the limit, at least 256, stays free for
 * connections, segment files and everything else.
 */
export function descriptorProblem(partitions: number): string | undefined {
  const limit = descriptorLimit();
  const open = openDescriptors();
  if (limit === undefined || open === undefined) return undefined;
  const reserve = Math.max(256, Math.floor(limit / 4));
  const needed = partitions * DESCRIPTORS_PER_PARTITION;
  const free = limit - reserve - open;
  if (needed <= free) return undefined;
  return (
    `${partitions} new partitions need ${needed} file descriptors, but only ${Math.max(0, free)} of the ` +
    `process's limit of ${limit} are free (${open} open, ${reserve} kept for connections and files): ` +
    `raise the limit (ulimit -n) or create fewer partitions`
  );
}
