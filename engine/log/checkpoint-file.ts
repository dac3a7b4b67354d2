/**
 * Offset checkpoint files, in Kafka's text format so Kafka's tools read them:
 *
 *   0                     version
 *   2                     number of entries
 *   orders 0 1500         topic, partition, offset — one line per partition
 *   orders 1 42
 *
 * Kiln keeps these per data directory: `recovery-point-offset-checkpoint` (everything below the
 * offset is known to be on disk), `log-start-offset-checkpoint`, `cleaner-offset-checkpoint`
 * (written by the log cleaner and `kiln compact`: offsets below the entry are clean), and
 * `replication-offset-checkpoint` (the high watermarks of replicated logs). A checkpoint is replaced
 * atomically: written to a temporary file, synced, renamed over the old one, directory synced.
 */
import fs from 'node:fs';
import path from 'node:path';
import { StorageError } from '../errors.js';
import { syncDirectory } from '../segment/log-file.js';

export const RECOVERY_POINT_CHECKPOINT = 'recovery-point-offset-checkpoint';
export const LOG_START_OFFSET_CHECKPOINT = 'log-start-offset-checkpoint';
export const REPLICATION_OFFSET_CHECKPOINT = 'replication-offset-checkpoint';

const VERSION = 0;

/** Key of a checkpoint entry: `${topic}-${partition}`, the partition's directory name. */
export type CheckpointEntries = Map<string, number>;

export function checkpointKey(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

/** Reads a checkpoint file; a missing file is empty. A malformed one throws a StorageError. */
export function readCheckpoint(file: string): CheckpointEntries {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw new StorageError(`cannot read checkpoint ${file}`, err);
  }
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  const bad = (why: string): StorageError => new StorageError(`malformed checkpoint ${file}: ${why}`);
  if (lines[0]?.trim() !== String(VERSION)) throw bad(`unknown version '${lines[0] ?? ''}'`);
  const count = Number(lines[1]);
  if (!Number.isInteger(count) || count < 0) throw bad(`bad entry count '${lines[1] ?? ''}'`);
  if (lines.length - 2 !== count) throw bad(`expected ${count} entries, found ${lines.length - 2}`);
  const entries: CheckpointEntries = new Map();
  for (const line of lines.slice(2)) {
    const parts = line.trim().split(/\s+/);
    const [topic, partition, offset] = parts;
    if (parts.length !== 3 || !topic || !/^\d+$/.test(partition ?? '') || !/^-?\d+$/.test(offset ?? '')) {
      throw bad(`bad line '${line}'`);
    }
    entries.set(checkpointKey(topic, Number(partition)), Number(offset));
  }
  return entries;
}

/** Writes a checkpoint atomically. Entries map `${topic}-${partition}` keys to offsets. */
export function writeCheckpoint(
  file: string,
  entries: Iterable<{ topic: string; partition: number; offset: number }>,
): void {
  const lines: string[] = [];
  for (const { topic, partition, offset } of entries) lines.push(`${topic} ${partition} ${offset}`);
  const text = `${VERSION}\n${lines.length}\n${lines.map((line) => line + '\n').join('')}`;
  writeFileAtomically(file, text);
}

/** Writes `data` to `file` so that a crash leaves either the old or the new content, whole. */
export function writeFileAtomically(file: string, data: string | Buffer): void {
  const tmp = `${file}.tmp`;
  try {
    const fd = fs.openSync(tmp, 'w');
    try {
      if (typeof data === 'string') fs.writeSync(fd, data);
      else fs.writeSync(fd, data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
    syncDirectory(path.dirname(file));
  } catch (err) {
    throw new StorageError(`cannot write ${file}`, err);
  }
}
