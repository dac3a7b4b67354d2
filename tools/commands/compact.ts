/**
 * `kiln compact DIR/topic-N`: runs the log cleaner (engine/cleaner) on one partition directory
 * offline — the same pass the broker's background cleaner makes — and prints bytes and records
 * before and after, counted over the segments it cleaned (the active segment is never cleaned, so
 * it is not counted). Refuses a directory a running broker holds (the data directory's `.lock`);
 * after an unclean stop the partition is recovered first, as the broker would.
 *
 * Where the pass stopped is recorded as the broker's cleaner records it: this partition's entry in
 * the data directory's `cleaner-offset-checkpoint` (Kafka's file, the checkpoint format of
 * engine/log/checkpoint-file.ts: offsets below the entry are clean), so `kiln segments` shows the
 * cleaned segments as clean and the broker's next pass maps only what is new.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  CLEANER_CHECKPOINT,
  CLEAN_SHUTDOWN_FILE,
  DirLock,
  LogDirLockedError,
  MappingBudget,
  PartitionLog,
  cleanLog,
  destroyWorkerPools,
  parseLogConfig,
  parsePartitionDirName,
  readCheckpoint,
  writeCheckpoint,
} from '../../engine/index.js';
import { UsageError, type Command } from '../kiln.js';
import { Progress } from '../progress.js';

const USAGE = `usage: kiln compact DIR/<topic>-<partition> [--config key=value]... [--json]

Compacts one partition offline: keeps the latest record per key in every closed segment (the
active segment is left alone), dropping tombstones older than delete.retention.ms. Topic configs
(min.compaction.lag.ms, delete.retention.ms, ...) may be given with --config. Refuses a directory
that a running broker holds.

Bytes and records before and after are those of the segments cleaned, not of the whole partition.
The pass is recorded in the data directory's cleaner-offset-checkpoint, as the broker records its
own, so \`kiln segments\` shows the cleaned segments as cleaned.`;

/**
 * Records that offsets below `cleanedUpTo` of `partition` are clean, keeping the other entries. A
 * checkpoint that cannot be read is replaced: it only saves the cleaner work, so losing the other
 * partitions' entries costs one full pass each, whereas keeping it would stop the broker's cleaner.
 */
function recordCleanerProgress(dataDir: string, partition: string, cleanedUpTo: number): void {
  const file = path.join(dataDir, CLEANER_CHECKPOINT);
  let entries: Map<string, number>;
  try {
    entries = readCheckpoint(file);
  } catch (err) {
    process.stderr.write(`kiln compact: ${(err as Error).message}: replaced\n`);
    entries = new Map();
  }
  entries.set(partition, Math.max(entries.get(partition) ?? 0, cleanedUpTo));
  const rows = [...entries].flatMap(([key, offset]) => {
    const tp = parsePartitionDirName(key);
    return tp ? [{ ...tp, offset }] : [];
  });
  writeCheckpoint(file, rows);
}

export const command: Command = {
  name: 'compact',
  summary: 'compact one partition offline (latest record per key), as the broker cleaner does',
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { config: { type: 'string', multiple: true }, json: { type: 'boolean' } },
      allowPositionals: true,
    });
    const target = positionals[0];
    if (!target || positionals.length > 1) throw new UsageError('give one partition directory');
    const dir = path.resolve(target);
    const tp = parsePartitionDirName(path.basename(dir));
    if (!tp || !fs.existsSync(dir))
      throw new UsageError(`${target} is not a partition directory (<topic>-<partition>)`);
    const props: Record<string, string> = { 'cleanup.policy': 'compact' };
    for (const entry of values.config ?? []) {
      const eq = entry.indexOf('=');
      if (eq <= 0) throw new UsageError(`--config wants key=value, got '${entry}'`);
      props[entry.slice(0, eq)] = entry.slice(eq + 1);
    }
    const config = parseLogConfig(props);
    const dataDir = path.dirname(dir);
    let lock: DirLock;
    try {
      lock = DirLock.acquire(dataDir);
    } catch (err) {
      if (err instanceof LogDirLockedError) {
        process.stderr.write(`kiln compact: ${err.message}; stop the broker first\n`);
        return 2;
      }
      throw err;
    }
    try {
      const clean = fs.existsSync(path.join(dataDir, CLEAN_SHUTDOWN_FILE));
      const log = PartitionLog.open({
        dir,
        topic: tp.topic,
        partition: tp.partition,
        config,
        budget: new MappingBudget(4),
        cleanShutdown: clean,
      });
      const partition = path.basename(dir);
      const progress = new Progress('compacting segments', Math.max(1, log.segments().length - 1));
      let result;
      try {
        // From offset 0: an offline pass maps every key, whatever the broker's checkpoint says.
        result = await cleanLog(log, 0, { force: true, progress: () => progress.tick() });
      } finally {
        progress.finish();
        log.close();
      }
      if (result.cleaned) recordCleanerProgress(dataDir, partition, result.cleanedUpTo);
      // The cleaner's own counts cover exactly the segments it read and rewrote.
      const summary = {
        partition,
        segmentsCleaned: result.segments,
        bytesBefore: result.stats.bytesIn,
        bytesAfter: result.stats.bytesOut,
        recordsBefore: result.stats.recordsIn,
        recordsAfter: result.stats.recordsOut,
        cleanedUpTo: result.cleanedUpTo,
      };
      if (values.json) process.stdout.write(JSON.stringify(summary) + '\n');
      else {
        process.stdout.write(
          `${partition}: ${result.segments} segment(s) cleaned, offsets below ${result.cleanedUpTo} clean; ` +
            `in the cleaned segments: bytes ${summary.bytesBefore} -> ${summary.bytesAfter}, ` +
            `records ${summary.recordsBefore} -> ${summary.recordsAfter}\n`,
        );
      }
      return 0;
    } finally {
      lock.release();
      await destroyWorkerPools();
    }
  },
};
