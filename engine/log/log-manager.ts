/**
 * The log manager: every partition log in the data directories (`log.dirs`).
 *
 * At start it locks each directory, reads the checkpoints and the clean-shutdown marker, and opens
 * every `<topic>-<partition>/` inside — doing no recovery scan after a clean stop, so thousands of
 * partitions load in well under a second. While running it applies retention, the flush.ms policy
 * and checkpoints on timers. At a clean stop it flushes, checkpoints, closes every file and writes
 * the marker that lets the next start skip recovery.
 *
 * Replicated logs' high watermarks are checkpointed too (high-watermark-checkpoint.ts), for the
 * server to restore when it makes a log replicated; a log on its own keeps its at its LEO.
 *
 * Per-topic configuration arrives as Kafka-named overrides on top of the manager's defaults; where
 * they are stored is the broker's business, not the engine's.
 */
import fs from 'node:fs';
import path from 'node:path';
import { LogClosedError, StorageError } from '../errors.js';
import { syncDirectory } from '../segment/log-file.js';
import { defaultMappingBudget, type MappingBudget } from '../segment/mapping-budget.js';
import {
  deletionDirName,
  isDeletionDirName,
  parsePartitionDirName,
  partitionDirName,
} from '../segment/segment-files.js';
import {
  LOG_START_OFFSET_CHECKPOINT,
  RECOVERY_POINT_CHECKPOINT,
  checkpointKey,
  readCheckpoint,
  writeCheckpoint,
  writeFileAtomically,
} from './checkpoint-file.js';
import { BackgroundTasks, eachOf } from './background-tasks.js';
import { DirLock } from './dir-lock.js';
import { HighWatermarkCheckpoints } from './high-watermark-checkpoint.js';
import { DEFAULT_LOG_CONFIG, parseLogConfig, type LogConfig } from './log-config.js';
import { CleanerPasses } from '../cleaner/cleaner-passes.js';
import { PartitionLog } from './partition-log.js';

export const CLEAN_SHUTDOWN_FILE = '.kafka_cleanshutdown';
export { CLEANER_CHECKPOINT } from '../cleaner/cleaner-passes.js';

export interface LogManagerOptions {
  /** Data directories; new partitions go to the one holding the fewest. */
  dirs: string[];
  /** Defaults for every log (the broker's log.* settings, as topic-level values). */
  defaults?: LogConfig;
  /** Kafka-named overrides per topic. */
  topicConfigs?: Record<string, Record<string, string>>;
  /** How many segment files may be memory-mapped at once. */
  maxMappedSegments?: number;
  /** Background work; 0 turns a task off. Defaults are Kafka's. */
  retentionCheckIntervalMs?: number;
  flushCheckIntervalMs?: number;
  checkpointIntervalMs?: number;
  /** How often mapped segment pages are dropped from the process's RSS (MappingBudget.trimResident). */
  trimResidentIntervalMs?: number;
  /** Where recovery and retention say what they did. */
  log?: (message: string) => void;
  /** log.cleaner.enable: compact cleanup.policy=compact logs in the background. */
  cleanerEnabled?: boolean;
  /** Pause between cleaner passes (log.cleaner.backoff.ms). */
  cleanerIntervalMs?: number;
}

interface DataDir {
  path: string;
  lock: DirLock;
  cleanShutdown: boolean;
}

export class LogManager {
  private readonly logs = new Map<string, PartitionLog>();
  private readonly logDir = new Map<string, DataDir>();
  private readonly overrides = new Map<string, Record<string, string>>();
  private closed = false;
  private readonly tasks: BackgroundTasks;
  private readonly cleaner: CleanerPasses;
  private readonly highWatermarks: HighWatermarkCheckpoints;

  private constructor(
    private readonly dataDirs: DataDir[],
    private currentDefaults: LogConfig,
    private readonly budget: MappingBudget,
    private readonly say: (message: string) => void,
  ) {
    this.tasks = new BackgroundTasks(say);
    this.highWatermarks = new HighWatermarkCheckpoints(say);
    this.cleaner = new CleanerPasses({
      logs: this.logs,
      dirOf: (key) => this.logDir.get(key)!.path,
      isClosed: () => this.closed,
      say,
    });
  }

  static open(options: LogManagerOptions): LogManager {
    if (options.dirs.length === 0) throw new Error('at least one data directory is needed');
    const defaults = options.defaults ?? { ...DEFAULT_LOG_CONFIG };
    const budget = defaultMappingBudget;
    if (options.maxMappedSegments) budget.setLimit(options.maxMappedSegments);
    // Reject bad overrides before anything is locked or opened.
    for (const props of Object.values(options.topicConfigs ?? {})) parseLogConfig(props, defaults);
    const locked: DataDir[] = [];
    try {
      for (const dir of options.dirs) {
        fs.mkdirSync(dir, { recursive: true });
        const lock = DirLock.acquire(dir);
        const marker = path.join(dir, CLEAN_SHUTDOWN_FILE);
        const cleanShutdown = fs.existsSync(marker);
        locked.push({ path: dir, lock, cleanShutdown });
      }
    } catch (err) {
      for (const dir of locked) dir.lock.release();
      throw err;
    }
    const manager = new LogManager(locked, defaults, budget, options.log ?? (() => {}));
    for (const [topic, props] of Object.entries(options.topicConfigs ?? {})) {
      manager.overrides.set(topic, { ...props });
    }
    try {
      for (const dir of locked) manager.loadDir(dir);
    } catch (err) {
      for (const log of manager.logs.values()) log.close();
      for (const dir of locked) dir.lock.release();
      throw err;
    }
    // From here on a crash is an unclean stop: the marker goes until the next clean close.
    for (const dir of locked) {
      fs.rmSync(path.join(dir.path, CLEAN_SHUTDOWN_FILE), { force: true });
      syncDirectory(dir.path);
    }
    manager.tasks.every(options.retentionCheckIntervalMs ?? 300_000, 'retention', () =>
      manager.runRetention(),
    );
    manager.tasks.every(options.flushCheckIntervalMs ?? 1_000, 'flush', () => manager.flushDue());
    manager.tasks.every(options.trimResidentIntervalMs ?? 250, 'page trim', () => budget.trimResident());
    manager.tasks.every(options.checkpointIntervalMs ?? 60_000, 'checkpoint', () =>
      manager.flushRolledAndCheckpoint(),
    );
    if (options.cleanerEnabled)
      manager.tasks.every(options.cleanerIntervalMs ?? 15_000, 'cleaner', () => manager.runCleaner());
    return manager;
  }

  private loadDir(dir: DataDir): void {
    // A checkpoint that cannot be read is treated as absent, never as a reason not to start: with
    // no recovery points the directory is recovered as after an unclean stop, and with no log
    // start offsets each log starts at its first segment.
    const readOrNothing = (name: string): Map<string, number> | undefined => {
      try {
        return readCheckpoint(path.join(dir.path, name));
      } catch (err) {
        this.say(`${(err as Error).message}: ignored`);
        return undefined;
      }
    };
    const recoveryPoints = readOrNothing(RECOVERY_POINT_CHECKPOINT);
    if (!recoveryPoints) dir.cleanShutdown = false;
    const startOffsets = readOrNothing(LOG_START_OFFSET_CHECKPOINT) ?? new Map<string, number>();
    const highWatermarks = this.highWatermarks.read(dir.path);
    for (const entry of fs.readdirSync(dir.path, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      if (isDeletionDirName(entry.name)) {
        // A topic deletion that was cut short. One that cannot be removed now is left for the next
        // start: its name is no partition's, so it never comes back as a topic, nor stops a start.
        try {
          fs.rmSync(path.join(dir.path, entry.name), { recursive: true, force: true });
        } catch (err) {
          this.say(`cannot remove ${entry.name} (tried again at the next start): ${(err as Error).message}`);
        }
        continue;
      }
      const tp = parsePartitionDirName(entry.name);
      if (!tp) continue;
      const key = checkpointKey(tp.topic, tp.partition);
      const log = PartitionLog.open({
        dir: path.join(dir.path, entry.name),
        topic: tp.topic,
        partition: tp.partition,
        config: this.configFor(tp.topic),
        budget: this.budget,
        cleanShutdown: dir.cleanShutdown,
        recoveryPoint: recoveryPoints?.get(key) ?? 0,
        logStartOffset: startOffsets.get(key) ?? 0,
        log: this.say,
      });
      this.logs.set(key, log);
      this.logDir.set(key, dir);
      const hw = highWatermarks.get(key);
      if (hw !== undefined) this.highWatermarks.keep(key, hw);
    }
  }

  /** Defaults for every log (the broker's log.* settings, as topic-level values). */
  get defaults(): LogConfig {
    return this.currentDefaults;
  }

  /** New defaults (dynamic broker configs): every open log without an override takes them now. */
  setDefaults(defaults: LogConfig): void {
    this.currentDefaults = defaults;
    for (const log of this.logs.values()) log.updateConfig(this.configFor(log.topic));
  }

  /** The effective configuration of `topic`: defaults plus its overrides. */
  configFor(topic: string): LogConfig {
    return parseLogConfig(this.overrides.get(topic) ?? {}, this.defaults);
  }

  /** Replaces `topic`'s overrides (validated first) and applies them to its open logs. */
  setTopicConfig(topic: string, overrides: Record<string, string>): LogConfig {
    const config = parseLogConfig(overrides, this.defaults);
    this.overrides.set(topic, { ...overrides });
    for (const log of this.logs.values()) if (log.topic === topic) log.updateConfig(config);
    return config;
  }

  topicOverrides(topic: string): Record<string, string> {
    return { ...(this.overrides.get(topic) ?? {}) };
  }

  /** The high watermark checkpointed for a partition (read at start, or last written), if any. */
  checkpointedHighWatermark(topic: string, partition: number): number | undefined {
    return this.highWatermarks.get(checkpointKey(topic, partition));
  }

  getLog(topic: string, partition: number): PartitionLog | undefined {
    return this.logs.get(checkpointKey(topic, partition));
  }

  /** The log, created empty in the least-loaded directory if it does not exist yet. */
  getOrCreateLog(topic: string, partition: number): PartitionLog {
    this.checkOpen();
    const key = checkpointKey(topic, partition);
    const existing = this.logs.get(key);
    if (existing) return existing;
    const dir = this.leastLoadedDir();
    const log = this.openCleanly(path.join(dir.path, partitionDirName(topic, partition)), topic, partition);
    this.logs.set(key, log);
    this.logDir.set(key, dir);
    return log;
  }

  /** Opens (or creates) a partition directory as a log that was stopped cleanly. */
  private openCleanly(dir: string, topic: string, partition: number): PartitionLog {
    return PartitionLog.open({
      dir,
      topic,
      partition,
      config: this.configFor(topic),
      budget: this.budget,
      cleanShutdown: true,
      log: this.say,
    });
  }

  /**
   * Removes a partition's log and its files. The directory is renamed first (Kafka's deletion
   * name, see deletionDirName), so a crash mid-way finishes the job at the next start. A rename
   * that fails throws and leaves the log open and in place: the deletion did not happen.
   */
  deleteLog(topic: string, partition: number): boolean {
    const key = checkpointKey(topic, partition);
    const log = this.logs.get(key);
    if (!log) return false;
    const dir = this.logDir.get(key)!;
    log.close();
    const doomed = path.join(path.dirname(log.dir), deletionDirName(topic, partition));
    try {
      fs.renameSync(log.dir, doomed);
    } catch (err) {
      // Still there: open it again so the partition keeps working, and say the deletion failed.
      this.logs.set(key, this.openCleanly(log.dir, topic, partition));
      throw new StorageError(`cannot delete ${log.dir}`, err);
    }
    this.logs.delete(key);
    this.logDir.delete(key);
    this.highWatermarks.forget(key);
    syncDirectory(dir.path);
    try {
      fs.rmSync(doomed, { recursive: true, force: true });
    } catch (err) {
      // Renamed: it is no longer the partition's, and the next start removes it.
      this.say(`cannot remove ${doomed} now (removed at the next start): ${(err as Error).message}`);
    }
    return true;
  }

  allLogs(): IterableIterator<PartitionLog> {
    return this.logs.values();
  }

  get dirs(): string[] {
    return this.dataDirs.map((dir) => dir.path);
  }

  /** One retention pass over every log. Returns the segments deleted. */
  runRetention(now = Date.now()): number {
    let deleted = 0;
    eachOf(this.logs.values(), (log) => (deleted += log.deleteOldSegments(now)));
    return deleted;
  }

  /** Flushes the logs whose flush.ms has passed. */
  flushDue(now = Date.now()): void {
    eachOf(this.logs.values(), (log) => log.flushIfDue(now));
  }

  /** Writes the recovery-point, log-start-offset and replication-offset checkpoints of every directory. */
  checkpoint(): void {
    for (const dir of this.dataDirs) {
      const logs = [...this.logs.entries()]
        .filter(([key]) => this.logDir.get(key) === dir)
        .map(([, log]) => log);
      writeCheckpoint(
        path.join(dir.path, RECOVERY_POINT_CHECKPOINT),
        logs.map((log) => ({ topic: log.topic, partition: log.partition, offset: log.recoveryPoint })),
      );
      writeCheckpoint(
        path.join(dir.path, LOG_START_OFFSET_CHECKPOINT),
        logs.map((log) => ({ topic: log.topic, partition: log.partition, offset: log.logStartOffset })),
      );
      this.highWatermarks.write(dir.path, logs);
    }
  }

  /**
   * The periodic checkpoint: rolled segments go to disk first (in the background), so the
   * recovery points written are as far along as they can safely be.
   */
  async flushRolledAndCheckpoint(): Promise<void> {
    let failure: unknown;
    for (const log of [...this.logs.values()]) {
      try {
        await log.flushRolledSegments();
      } catch (err) {
        failure ??= err;
      }
    }
    if (!this.closed) this.checkpoint();
    if (failure !== undefined) throw failure;
  }

  /** One background cleaner pass over every compacted log; returns the logs that were cleaned. */
  runCleaner(now = Date.now()): Promise<number> {
    return this.cleaner.run(now);
  }

  /**
   * Clean stop: flush, checkpoint, close, mark clean, unlock. A step that fails (a full disk) is
   * reported and the rest go on; the clean-shutdown marker is written only when every step before
   * it worked, so the next start recovers what may not be on disk. The locks are always released.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.tasks.stop();
    let clean = true;
    const attempt = (what: string, step: () => void): void => {
      try {
        step();
      } catch (err) {
        clean = false;
        this.say(`stop: ${what} failed: ${(err as Error).message}`);
      }
    };
    for (const log of this.logs.values()) attempt(`closing ${log.dir}`, () => log.close());
    attempt('writing checkpoints', () => this.checkpoint());
    for (const dir of this.dataDirs) {
      if (clean)
        attempt('writing the clean-shutdown marker', () =>
          writeFileAtomically(path.join(dir.path, CLEAN_SHUTDOWN_FILE), ''),
        );
      attempt(`unlocking ${dir.path}`, () => dir.lock.release());
    }
    this.logs.clear();
  }

  private leastLoadedDir(): DataDir {
    let best = this.dataDirs[0]!;
    let bestCount = Number.POSITIVE_INFINITY;
    for (const dir of this.dataDirs) {
      let count = 0;
      for (const owner of this.logDir.values()) if (owner === dir) count++;
      if (count < bestCount) {
        best = dir;
        bestCount = count;
      }
    }
    return best;
  }

  private checkOpen(): void {
    if (this.closed) throw new LogClosedError('the log manager');
  }
}
