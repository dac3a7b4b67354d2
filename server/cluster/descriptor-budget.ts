/**
 * How many more file descriptors this process may open: what creating partitions is checked
 * against, so that a CreateTopics or CreatePartitions asking for more than the machine allows is
 * refused up front instead of failing with EMFILE half way (and then at every start).
 *
 * Measured on a broker with 3,000 partitions: each holds two descriptors while idle (its active
 * segment's offset and time indexes stay open for appends; 5,950 more than an empty broker after
 * a restart), and a third, its .log file, while it is used (9,001 after creating them). The .log
 * files open on demand under the engine's OpenFileBudget, whose whole share is set aside here, as
 * is a reserve for sockets and everything else; the index descriptors must fit in what is left.
 */
import fs from 'node:fs';
import { defaultOpenFileBudget, type OpenFileBudget } from '../../engine/index.js';

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
 * fit (or the limit cannot be read). Set aside: the .log files' whole budget (`logFiles.limit`)
 * and an eighth of the limit, at least 256, for connections and everything else.
 */
export function descriptorProblem(
  partitions: number,
  logFiles: OpenFileBudget = defaultOpenFileBudget,
): string | undefined {
  const limit = descriptorLimit();
  const open = openDescriptors();
  if (limit === undefined || open === undefined) return undefined;
  const reserve = Math.max(256, Math.floor(limit / 8));
  // The .log descriptors open now are part of their budget, counted once.
  const held = Math.max(0, open - logFiles.size);
  const needed = partitions * DESCRIPTORS_PER_PARTITION;
  const free = limit - logFiles.limit - reserve - held;
  if (needed <= free) return undefined;
  return (
    `${partitions} new partitions need ${needed} file descriptors, but only ${Math.max(0, free)} of the ` +
    `process's limit of ${limit} are free (${held} open, ${logFiles.limit} kept for segment files, ` +
    `${reserve} for connections): raise the limit (ulimit -n) or create fewer partitions`
  );
}
