/**
 * What a crash left of moves between data directories, settled at start before any partition is
 * opened (log-dir-commit.ts describes the protocol this reads):
 *
 * - a `-future` copy holding `.move-committed` was committed: any other directory of its
 *   partition is stale and goes (renamed for deletion, as a deleted topic's), and the copy takes
 *   the partition's name;
 * - a partition directory holding `.move-committed` is the partition's log: any other directory of
 *   the partition goes, then the marker;
 * - a `-future` copy without the marker was never committed: it is removed, and when its
 *   partition is still there the move is begun again (the list returned);
 * - otherwise a partition found in two data directories stops the start, as in Kafka: which one
 *   is the log cannot be told.
 */
import fs from 'node:fs';
import path from 'node:path';
import { StorageError } from '../errors.js';
import { syncDirectory } from '../segment/log-file.js';
import { deletionDirName, isDeletionDirName, parsePartitionDirName } from '../segment/segment-files.js';
import { checkpointKey } from './checkpoint-file.js';
import { MOVE_COMMITTED, parseFutureDirName } from './log-dir-commit.js';

/** A move to begin again: the partition goes to data directory `dir`. */
export interface ResumedMove {
  topic: string;
  partition: number;
  dir: string;
}

interface FoundCopy {
  dir: string;
  name: string;
  topic: string;
  partition: number;
}

export function finishMovesAtStart(dirs: readonly string[], say: (message: string) => void): ResumedMove[] {
  /** Data directories holding each partition, by checkpoint key. */
  const holders = new Map<string, string[]>();
  const copies: FoundCopy[] = [];
  for (const dir of dirs) {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory() || isDeletionDirName(entry.name)) continue;
      const future = parseFutureDirName(entry.name);
      if (future) copies.push({ dir, name: entry.name, ...future });
      else if (parsePartitionDirName(entry.name))
        holders.set(entry.name, [...(holders.get(entry.name) ?? []), dir]);
    }
  }
  const committed = copies.filter((copy) => fs.existsSync(path.join(copy.dir, copy.name, MOVE_COMMITTED)));
  for (const copy of committed) {
    const key = checkpointKey(copy.topic, copy.partition);
    if (holders.get(key)?.includes(copy.dir)) {
      say(`${path.join(copy.dir, copy.name)}: committed, but ${key} is in the same directory: left alone`);
      continue;
    }
    for (const stale of holders.get(key) ?? []) retire(stale, copy.topic, copy.partition, say);
    fs.renameSync(path.join(copy.dir, copy.name), path.join(copy.dir, key));
    syncDirectory(copy.dir);
    say(`${key}: its move to ${copy.dir} was committed before the stop: finished`);
    holders.set(key, [copy.dir]);
  }
  for (const [key, dirsOfKey] of holders) {
    const marked = dirsOfKey.filter((dir) => fs.existsSync(path.join(dir, key, MOVE_COMMITTED)));
    if (marked.length === 1) {
      const tp = parsePartitionDirName(key)!;
      for (const stale of dirsOfKey) if (stale !== marked[0]) retire(stale, tp.topic, tp.partition, say);
      fs.rmSync(path.join(marked[0]!, key, MOVE_COMMITTED), { force: true });
      holders.set(key, marked);
    } else if (dirsOfKey.length > 1) {
      throw new StorageError(
        `${key} is in more than one data directory (${dirsOfKey.join(', ')}): remove the stale copy`,
      );
    }
  }
  const resumed = new Map<string, ResumedMove>();
  for (const copy of copies) {
    if (committed.includes(copy)) continue;
    fs.rmSync(path.join(copy.dir, copy.name), { recursive: true, force: true });
    const key = checkpointKey(copy.topic, copy.partition);
    const holder = holders.get(key)?.[0];
    if (holder === undefined || holder === copy.dir) continue;
    say(`${key}: its move to ${copy.dir} was cut short by the stop: beginning it again`);
    resumed.set(key, { topic: copy.topic, partition: copy.partition, dir: copy.dir });
  }
  return [...resumed.values()];
}

/** Renames a stale partition directory for deletion; the directory's load removes it. */
function retire(dir: string, topic: string, partition: number, say: (message: string) => void): void {
  const from = path.join(dir, checkpointKey(topic, partition));
  fs.renameSync(from, path.join(dir, deletionDirName(topic, partition)));
  syncDirectory(dir);
  say(`${from}: the partition was moved to another directory before the stop: removed`);
}
