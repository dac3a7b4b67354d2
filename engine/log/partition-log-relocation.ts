/**
 * Points a live PartitionLog at its files in another directory, in place: the end of a move
 * between data directories (log-dir-commit.ts).
 *
 * The object itself must stay: the server holds it in many places (a leader's replication state,
 * a follower's fetcher, `onAppend`, appends queued for the end of a turn), and it carries the
 * state that is not in the files — the high watermark, the log start offset, the producers, the
 * replicated flag. So its segments (the LocalLog), its leader epoch cache and its directory are
 * swapped under it; everything else stays.
 *
 * PartitionLog has no method for this yet, so this is the one place outside partition-log.ts that
 * reaches into it; the checks below make a change of its fields fail loudly here (and in the
 * move's tests) instead of moving half a log. The method belongs on PartitionLog: `relocate(dir,
 * local, epochs)` with these three assignments.
 */
import { LeaderEpochCache } from './leader-epoch-cache.js';
import { LocalLog } from './local-log.js';
import type { PartitionLog } from './partition-log.js';

/** The fields of PartitionLog a relocation replaces. */
interface RelocatableFields {
  dir: string;
  local: LocalLog;
  epochs: LeaderEpochCache;
}

/** Makes `log` use `local` and `epochs`, found in `dir`; returns its old LocalLog for the caller to close. */
export function relocate(
  log: PartitionLog,
  dir: string,
  local: LocalLog,
  epochs: LeaderEpochCache,
): LocalLog {
  const fields = log as unknown as RelocatableFields;
  if (
    typeof fields.dir !== 'string' ||
    !(fields.local instanceof LocalLog) ||
    !(fields.epochs instanceof LeaderEpochCache)
  ) {
    throw new Error('PartitionLog no longer has the fields partition-log-relocation.ts replaces');
  }
  const old = fields.local;
  fields.dir = dir;
  fields.local = local;
  fields.epochs = epochs;
  return old;
}
