/**
 * The switch at the end of a partition's move between data directories (log-dir-move.ts), and the
 * on-disk protocol that makes the move safe against a crash at any moment.
 *
 * While it is being copied, the partition's new log lives in
 *
 *   <target dir>/<topic>-<partition>.<32 hex digits>-future     (Kafka's name for a future replica)
 *
 * Steps 1 to 4 run in one turn of the event loop, so no append comes between them:
 *   1. the copy is synced and closed; the partition's leader-epoch-checkpoint and producer
 *      snapshots are copied beside its segments, with a snapshot of the producers as they are now;
 *   2. the target directory's checkpoints (recovery point, log start offset, high watermark) are
 *      written with the partition in them — the source directory's still have it too;
 *   3. `.move-committed` is made in the copy (and its directory synced: the file's being there is
 *      what counts). This is the commit point: from now on the copy is the partition's log;
 *   4. the copy is renamed `<topic>-<partition>` and opened, and the PartitionLog switches to it in
 *      place (PartitionLog.relocate), so every holder of the log object goes on with it;
 *   5. over the next turns of the event loop (retireOldCopy), the old files are closed one segment
 *      at a time (closing one syncs its indexes, a disk wait each), the old directory is renamed
 *      for deletion, `.move-committed` is removed, and the old files are removed off the event
 *      loop. Reads still holding them keep the files open (and mapped slices keep theirs) until
 *      they are done: Linux frees an unlinked file only when its last user goes.
 * A failure in 3 or 4 takes the commit back (the copy renamed back, the marker removed): the
 * partition stays where it was, whole.
 *
 * At start (log-dir-move-recovery.ts) a `-future` directory without the marker was never
 * committed; one with it — or a partition directory holding it — is the partition's log, and any
 * other directory of the partition is stale.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { syncDirectory } from '../segment/log-file.js';
import { deletionDirName, partitionDirName } from '../segment/segment-files.js';
import { LEADER_EPOCH_CHECKPOINT, LeaderEpochCache } from './leader-epoch-cache.js';
import type { LocalLog } from './local-log.js';
import type { PartitionLog } from './partition-log.js';
import { listSnapshots, snapshotPath, writeSnapshot } from './producer-snapshot.js';

export const FUTURE_SUFFIX = '-future';
/** Written into a copy when it becomes the partition's log; removed once the old one is gone. */
export const MOVE_COMMITTED = '.move-committed';

/** The steps of a move a test (or a log line) may watch; see LogManagerOptions.onMoveStep. */
export type MoveStep =
  'copying' | 'copied' | 'tail' | 'prepared' | 'committed' | 'renamed' | 'switched' | 'done';

/** `<topic>-<partition>.<32 hex digits>-future`: where a partition's copy is made. */
export function futureDirName(topic: string, partition: number): string {
  return `${partitionDirName(topic, partition)}.${randomUUID().replaceAll('-', '')}${FUTURE_SUFFIX}`;
}

const FUTURE_NAME = /^(.+)-(\d+)\.[0-9a-f]{32}-future$/;

/** The partition a `-future` directory name belongs to, or undefined for any other name. */
export function parseFutureDirName(name: string): { topic: string; partition: number } | undefined {
  const match = FUTURE_NAME.exec(name);
  return match ? { topic: match[1]!, partition: Number(match[2]) } : undefined;
}

/** What the switch needs besides the log and its copy. */
export interface SwitchContext {
  log: PartitionLog;
  /** The copy, caught up with the log (same log end offset), still open. */
  future: LocalLog;
  futureDir: string;
  /** The data directories the log leaves and goes to. */
  fromDir: string;
  toDir: string;
  /** Opens the partition's log files in `dir` (a clean open: the copy was closed cleanly). */
  open(dir: string): LocalLog;
  /** Step 2: writes the target directory's checkpoints with the log among them. */
  writeTargetCheckpoints(): void;
  /** The log lives in toDir now (the manager's books). */
  switched(): void;
  step(step: MoveStep): void;
  say(message: string): void;
}

/** The log's files before the switch, for retireOldCopy. */
export interface OldCopy {
  local: LocalLog;
  dir: string;
}

/** Steps 1 to 4 above. Throws (with the log where it was) when it cannot commit. */
export function switchToCopy(ctx: SwitchContext): OldCopy {
  const { log, future, futureDir } = ctx;
  const leo = future.logEndOffset;
  try {
    future.flush();
    syncDirectory(futureDir);
  } finally {
    future.close();
  }
  copyPartitionMetadata(log, futureDir, leo);
  ctx.writeTargetCheckpoints();
  ctx.step('prepared');
  // Only its being there counts: the directory's sync makes that durable.
  fs.writeFileSync(path.join(futureDir, MOVE_COMMITTED), `${ctx.fromDir}\n`);
  syncDirectory(futureDir);
  ctx.step('committed');
  const finalDir = path.join(ctx.toDir, partitionDirName(log.topic, log.partition));
  let renamed = false;
  let local: LocalLog;
  let epochs: LeaderEpochCache;
  try {
    fs.renameSync(futureDir, finalDir);
    renamed = true;
    syncDirectory(ctx.toDir);
    ctx.step('renamed');
    local = ctx.open(finalDir);
    epochs = LeaderEpochCache.load(finalDir, ctx.say);
  } catch (err) {
    takeBack(ctx, renamed ? finalDir : futureDir, renamed);
    throw err;
  }
  const dir = log.dir;
  const old = log.relocate(finalDir, local, epochs);
  ctx.switched();
  ctx.step('switched');
  return { local: old, dir };
}

/**
 * Step 5. A failure leaves the old directory in place with the new one still marked, which the
 * next start resolves in the new one's favour.
 */
export async function retireOldCopy(ctx: SwitchContext, old: OldCopy): Promise<void> {
  const { log } = ctx;
  for (const segment of [...old.local.segments]) {
    await new Promise((resolve) => setImmediate(resolve));
    try {
      segment.close();
    } catch (err) {
      ctx.say(`${segment.logPath}: closing it after the move: ${(err as Error).message}`);
    }
  }
  const doomed = path.join(ctx.fromDir, deletionDirName(log.topic, log.partition));
  try {
    fs.renameSync(old.dir, doomed);
    syncDirectory(ctx.fromDir);
    fs.rmSync(path.join(log.dir, MOVE_COMMITTED), { force: true });
  } catch (err) {
    ctx.say(
      `${old.dir}: cannot remove the old copy now (removed at the next start): ${(err as Error).message}`,
    );
    return;
  }
  ctx.step('done');
  // Off the event loop: freeing a large log's blocks takes a while, and nothing needs them now.
  await fs.promises.rm(doomed, { recursive: true, force: true }).catch((err: unknown) => {
    ctx.say(`cannot remove ${doomed} now (removed at the next start): ${(err as Error).message}`);
  });
}

/**
 * Step 1's files: the leader epoch checkpoint as the log has it, and the producer snapshots (the
 * older ones, for a later truncation to restore from, and one of the producers now, at `leo`).
 */
function copyPartitionMetadata(log: PartitionLog, futureDir: string, leo: number): void {
  const epochFile = path.join(log.dir, LEADER_EPOCH_CHECKPOINT);
  if (fs.existsSync(epochFile)) {
    fs.copyFileSync(epochFile, path.join(futureDir, LEADER_EPOCH_CHECKPOINT));
  }
  for (const offset of listSnapshots(log.dir)) {
    if (offset <= leo) fs.copyFileSync(snapshotPath(log.dir, offset), snapshotPath(futureDir, offset));
  }
  if (log.producers.worthSnapshot) writeSnapshot(futureDir, leo, log.producers);
  syncDirectory(futureDir);
}

/** Undoes the commit after a failure in step 4: the copy is a `-future` directory again, unmarked. */
function takeBack(ctx: SwitchContext, at: string, renamed: boolean): void {
  try {
    if (renamed) {
      fs.renameSync(at, ctx.futureDir);
      syncDirectory(ctx.toDir);
    }
    fs.rmSync(path.join(ctx.futureDir, MOVE_COMMITTED), { force: true });
    syncDirectory(ctx.futureDir);
  } catch (err) {
    // The copy stays marked: the next start would take it for the log and lose what is appended
    // from now on. Say so plainly; only a broken disk gets here.
    ctx.say(
      `${ctx.futureDir}: the failed move could not be taken back (${(err as Error).message}); ` +
        `remove it before the next start, or appends made from now on are lost`,
    );
  }
}
