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
import { defaultOpenFileBudget, descriptorLimit, type OpenFileBudget } from '../../engine/index.js';

/** Descriptors open now, or undefined where /proc cannot tell. */
export function openDescriptors(): number | undefined {
  try {
    return fs.readdirSync('/proc/self/fd').length;
  } catch {
    return undefined;
  }
}

/**
 * Why new partitions cannot be made now, or undefined when they can (or the limit cannot be
 * read): the process has no descriptors to spare beside the .log files' whole budget
 * (`logFiles.limit`) and an eighth of the limit, at least 256, for connections and everything
 * else. New partitions need none once made, only the moment's few while they are created.
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
  const free = limit - logFiles.limit - reserve - held;
  if (free >= 0) return undefined;
  return (
    `${partitions} new partitions cannot be made: no file descriptors are free of the process's ` +
    `limit of ${limit} (${held} open, ${logFiles.limit} kept for segment files, ${reserve} for ` +
    `connections): raise the limit (ulimit -n)`
  );
}
