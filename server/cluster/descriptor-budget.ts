/**
 * How many more file descriptors this process may open: what creating partitions is checked
 * against, so that a CreateTopics or CreatePartitions on a process out of descriptors is refused
 * up front instead of failing with EMFILE half way.
 *
 * An idle partition holds no descriptor: its index files are opened only for the moment they grow
 * or shrink (engine/segment/mapped-index.ts), and its .log files open on demand under the
 * engine's OpenFileBudget, whose whole share is set aside here, as is a reserve for sockets and
 * everything else. (Before, each idle partition held its two index files open: 3,000 partitions
 * took 5,950 descriptors, and a broker whose limit was lowered could not start again.)
 */
import fs from 'node:fs';
import { defaultOpenFileBudget, type OpenFileBudget } from '../../engine/index.js';

/** Descriptors a partition holds while idle. */
export const DESCRIPTORS_PER_PARTITION = 0;

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
  if (needed <= free && free >= 0) return undefined;
  return (
    `${partitions} new partitions need ${needed} file descriptors, but only ${Math.max(0, free)} of the ` +
    `process's limit of ${limit} are free (${held} open, ${logFiles.limit} kept for segment files, ` +
    `${reserve} for connections): raise the limit (ulimit -n) or create fewer partitions`
  );
}
