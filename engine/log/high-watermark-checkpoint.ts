/**
 * The high watermarks of replicated logs, kept across restarts in each data directory's
 * `replication-offset-checkpoint` (Kafka's name; the text format of checkpoint-file.ts).
 *
 * A log's high watermark is in the file only while the log is replicated, or was and has not been
 * made replicated again since the start: until the server hears of its role, what was checkpointed
 * stays. A directory that never held a replicated log gets no file, so one node alone writes no
 * more than it used to.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  REPLICATION_OFFSET_CHECKPOINT,
  checkpointKey,
  readCheckpoint,
  writeCheckpoint,
} from './checkpoint-file.js';
import type { PartitionLog } from './partition-log.js';

export class HighWatermarkCheckpoints {
  /** By `${topic}-${partition}`: as read at start or last written. */
  private readonly offsets = new Map<string, number>();
  /** Directories whose file exists (so it must be kept up to date, even with nothing in it). */
  private readonly withFile = new Set<string>();

  constructor(private readonly say: (message: string) => void) {}

  /** Reads `dir`'s file; a missing or unreadable one is empty. Keep what is wanted with keep(). */
  read(dir: string): Map<string, number> {
    const file = path.join(dir, REPLICATION_OFFSET_CHECKPOINT);
    if (fs.existsSync(file)) this.withFile.add(dir);
    try {
      return readCheckpoint(file);
    } catch (err) {
      this.say(`${(err as Error).message}: ignored`);
      return new Map();
    }
  }

  keep(key: string, offset: number): void {
    this.offsets.set(key, offset);
  }

  get(key: string): number | undefined {
    return this.offsets.get(key);
  }

  /** The partition is gone: a new one of the same name starts with nothing. */
  forget(key: string): void {
    this.offsets.delete(key);
  }

  /** Writes `dir`'s file for `logs`, its logs. */
  write(dir: string, logs: readonly PartitionLog[]): void {
    const entries: { topic: string; partition: number; offset: number }[] = [];
    for (const log of logs) {
      const key = checkpointKey(log.topic, log.partition);
      if (log.replicated) this.offsets.set(key, log.highWatermark);
      const offset = this.offsets.get(key);
      if (offset !== undefined) entries.push({ topic: log.topic, partition: log.partition, offset });
    }
    if (entries.length === 0 && !this.withFile.has(dir)) return;
    writeCheckpoint(path.join(dir, REPLICATION_OFFSET_CHECKPOINT), entries);
    this.withFile.add(dir);
  }
}
