/**
 * `kiln compact DIR/topic-N`: runs the log cleaner (engine/cleaner) on one partition directory
 * offline — the same pass the broker's background cleaner makes — and prints bytes and records
 * before and after. Refuses a directory a running broker holds (the data directory's `.lock`);
 * after an unclean stop the partition is recovered first, as the broker would.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  CLEAN_SHUTDOWN_FILE,
  DirLock,
  LogDirLockedError,
  MappingBudget,
  PartitionLog,
  cleanLog,
  destroyWorkerPools,
  parseLogConfig,
  parsePartitionDirName,
} from '../../engine/index.js';
import { UsageError, type Command } from '../kiln.js';
import { Progress } from '../progress.js';

const USAGE = `usage: kiln compact DIR/<topic>-<partition> [--config key=value]... [--json]

Compacts one partition offline: keeps the latest record per key in every closed segment (the
active segment is left alone), dropping tombstones older than delete.retention.ms. Topic configs
(min.compaction.lag.ms, delete.retention.ms, ...) may be given with --config. Refuses a directory
that a running broker holds.`;

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
      const before = { bytes: log.size, segments: log.segments().length };
      const progress = new Progress('compacting segments', Math.max(1, log.segments().length - 1));
      const result = await cleanLog(log, 0, { force: true, progress: () => progress.tick() });
      progress.finish();
      const after = { bytes: log.size, segments: log.segments().length };
      log.close();
      const summary = {
        partition: `${tp.topic}-${tp.partition}`,
        segmentsCleaned: result.segments,
        bytesBefore: before.bytes,
        bytesAfter: after.bytes,
        recordsBefore: result.stats.recordsIn,
        recordsAfter: result.stats.recordsOut,
      };
      if (values.json) process.stdout.write(JSON.stringify(summary) + '\n');
      else {
        process.stdout.write(
          `${summary.partition}: ${result.segments} segment(s) cleaned; ` +
            `bytes ${before.bytes} -> ${after.bytes}; records ${summary.recordsBefore} -> ${summary.recordsAfter} (in cleaned segments)\n`,
        );
      }
      return 0;
    } finally {
      lock.release();
      await destroyWorkerPools();
    }
  },
};
