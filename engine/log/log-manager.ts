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
 * A log can move to another data directory while it serves (moveLog, log-dir-move.ts); the
 * cleaner leaves it alone meanwhile, and a start first settles what a crash left of a move.
 *
 * Per-topic configuration arrives as Kafka-named overrides on top of the manager's defaults; where
 * they are stored is the broker's business, not the engine's.
 */
import fs from 'node:fs';
import path from 'node:path';
import { LogClosedError, StorageError } from '../errors.js';
import { syncDirectory } from '../segment/log-file.js';
import { defaultMappingBudget, type MappingBudget } from '../segment/mapping-budget.js';
import { deletionDirName, partitionDirName } from '../segment/segment-files.js';
import {
  LOG_START_OFFSET_CHECKPOINT,
  RECOVERY_POINT_CHECKPOINT,
  checkpointKey,
  writeCheckpoint,
  writeFileAtomically,
} from './checkpoint-file.js';
import { BackgroundTasks, eachOf } from './background-tasks.js';
import { leastLoaded, loadDataDir, lockDataDirs, type DataDir } from './data-dir-loader.js';
import { HighWatermarkCheckpoints } from './high-watermark-checkpoint.js';
import { DEFAULT_LOG_CONFIG, parseLogConfig, type LogConfig } from './log-config.js';
import type { MoveStep } from './log-dir-commit.js';
import type { MoveOutcome } from './log-dir-move.js';
import { finishMovesAtStart, type ResumedMove } from './log-dir-move-recovery.js';
import { LogDirMoves, type FutureLog } from './log-dir-moves.js';
import { CleanerPasses, type CleanerProgress } from '../cleaner/cleaner-passes.js';
import { logEventsOf, type LogEvents } from './log-events.js';
import { PartitionLog } from './partition-log.js';

export const CLEAN_SHUTDOWN_FILE = '.kafka_cleanshutdown';
export { CLEANER_CHECKPOINT } from '../cleaner/cleaner-passes.js';
export type { FutureLog, MoveOutcome, MoveStep };

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
  /** How long a partition keeps an idle idempotent producer's state, and how often it checks. */
  producerIdExpirationMs?: number;
  producerIdExpirationCheckIntervalMs?: number;
  /** How often mapped segment pages are dropped from the process's RSS (MappingBudget.trimResident). */
  trimResidentIntervalMs?: number;
  /** Where recovery and retention say what they did. */
  log?: (message: string) => void;
  /**
   * What an operator should see (info: recovery after an unclean stop, retention and compaction
   * deletions) and segment rolls (debug); nothing is said when absent. See log-events.ts.
   */
  events?: Partial<LogEvents>;
  /** log.cleaner.enable: compact cleanup.policy=compact logs in the background. */
  cleanerEnabled?: boolean;
  /** Pause between cleaner passes (log.cleaner.backoff.ms). */
  cleanerIntervalMs?: number;
  /** Told each step of a move between data directories (for tests and logs). */
  onMoveStep?: (step: MoveStep, topic: string, partition: number) => void;
}

export class LogManager {
  private readonly logs = new Map<string, PartitionLog>();
  private readonly logDir = new Map<string, DataDir>();
  private readonly overrides = new Map<string, Record<string, string>>();
  private closed = false;
  private readonly tasks: BackgroundTasks;
  private readonly cleaner: CleanerPasses;
  /** The cleaner pass under way, if any (a move waits for it before copying). */
  private cleaning: Promise<unknown> | undefined;
  private readonly highWatermarks: HighWatermarkCheckpoints;
  private readonly moves: LogDirMoves;
  private events: LogEvents = logEventsOf(undefined);

  private constructor(
    private readonly dataDirs: DataDir[],
    private currentDefaults: LogConfig,
    private readonly budget: MappingBudget,
    private readonly say: (message: string) => void,
    onMoveStep: LogManagerOptions['onMoveStep'],
  ) {
    this.tasks = new BackgroundTasks(say);
    this.highWatermarks = new HighWatermarkCheckpoints(say);
    const { logs } = this;
    const moves = (this.moves = new LogDirMoves({
      configFor: (topic) => this.configFor(topic),
      budget,
      say,
      checkpointWith: (dir, log) => this.checkpointDir(dir, [...this.logsIn(this.dataDir(dir)!), log]),
      relocated: (log, dir) => this.logDir.set(checkpointKey(log.topic, log.partition), this.dataDir(dir)!),
      cleanerIdle: async () => void (await this.cleaning?.catch(() => undefined)),
      onStep: onMoveStep,
    }));
    this.cleaner = new CleanerPasses({
      // A moving log is left alone: a pass would rewrite segments under the copy.
      get logs() {
        return moves.notMoving(logs);
      },
      dirOf: (key) => this.logDir.get(key)!.path,
      isClosed: () => this.closed,
      say,
      info: (message, fields) => this.events.info(message, fields),
    });
  }

  static open(options: LogManagerOptions): LogManager {
    if (options.dirs.length === 0) throw new Error('at least one data directory is needed');
    const defaults = options.defaults ?? { ...DEFAULT_LOG_CONFIG };
    const budget = defaultMappingBudget;
    if (options.maxMappedSegments) budget.setLimit(options.maxMappedSegments);
    // Reject bad overrides before anything is locked or opened.
    for (const props of Object.values(options.topicConfigs ?? {})) parseLogConfig(props, defaults);
    const locked = lockDataDirs(options.dirs, CLEAN_SHUTDOWN_FILE);
    const say = options.log ?? (() => {});
    const manager = new LogManager(locked, defaults, budget, say, options.onMoveStep);
    manager.events = logEventsOf(options.events);
    for (const [topic, props] of Object.entries(options.topicConfigs ?? {})) {
      manager.overrides.set(topic, { ...props });
    }
    let resumed: ResumedMove[];
    try {
      resumed = finishMovesAtStart(options.dirs, say);
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
    const producerIdleMs = options.producerIdExpirationMs ?? 86_400_000;
    manager.tasks.every(
      options.producerIdExpirationCheckIntervalMs ?? 600_000,
      'producer id expiration',
      () => eachOf(manager.logs.values(), (log) => log.producers.expire(Date.now(), producerIdleMs)),
    );
    manager.tasks.every(options.trimResidentIntervalMs ?? 250, 'page trim', () => budget.trimResident());
    manager.tasks.every(options.checkpointIntervalMs ?? 60_000, 'checkpoint', () =>
      manager.flushRolledAndCheckpoint(),
    );
    if (options.cleanerEnabled)
      manager.tasks.every(options.cleanerIntervalMs ?? 15_000, 'cleaner', () => manager.runCleaner());
    for (const { topic, partition, dir } of resumed) {
      try {
        manager.moveLog(topic, partition, dir);
      } catch (err) {
        say(`${topic}-${partition}: cannot begin its move again: ${(err as Error).message}`);
      }
    }
    return manager;
  }

  private loadDir(dir: DataDir): void {
    loadDataDir(dir.path, dir.cleanShutdown, {
      budget: this.budget,
      configFor: (topic) => this.configFor(topic),
      highWatermarks: this.highWatermarks,
      say: this.say,
      events: this.events,
      opened: (key, log) => {
        this.logs.set(key, log);
        this.logDir.set(key, dir);
      },
    });
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
    const dir = leastLoaded(this.dataDirs, this.logDir.values());
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
      events: this.events,
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
    this.moves.cancel(key);
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
    for (const dir of this.dataDirs) this.checkpointDir(dir.path, this.logsIn(dir));
  }

  private checkpointDir(dir: string, logs: readonly PartitionLog[]): void {
    const recoveryPoints = logs.map((log) => entryOf(log, log.recoveryPoint));
    const startOffsets = logs.map((log) => entryOf(log, log.logStartOffset));
    writeCheckpoint(path.join(dir, RECOVERY_POINT_CHECKPOINT), recoveryPoints);
    writeCheckpoint(path.join(dir, LOG_START_OFFSET_CHECKPOINT), startOffsets);
    this.highWatermarks.write(dir, logs);
  }

  private logsIn(dir: DataDir): PartitionLog[] {
    return [...this.logs.entries()].filter(([key]) => this.logDir.get(key) === dir).map(([, log]) => log);
  }

  /** The data directory of a log, as the manager was given it. */
  logDirOf(topic: string, partition: number): string | undefined {
    return this.logDir.get(checkpointKey(topic, partition))?.path;
  }

  /**
   * Moves a log to data directory `dir` (one of `dirs`) in the background, serving all along
   * (log-dir-moves.ts). A StorageError when it cannot begin: the log stays where it is.
   */
  moveLog(topic: string, partition: number, dir: string): 'moving' | 'in-place' {
    this.checkOpen();
    const key = checkpointKey(topic, partition);
    const log = this.logs.get(key);
    if (!log) throw new Error(`no log for ${key}`);
    const target = this.dataDir(dir);
    if (!target) throw new Error(`${dir} is not one of the data directories`);
    return this.moves.start(key, log, this.logDir.get(key)!.path, target.path) ? 'moving' : 'in-place';
  }

  /** How a partition's move ends, while one is under way. */
  moveOutcome(topic: string, partition: number): Promise<MoveOutcome> | undefined {
    return this.moves.outcome(checkpointKey(topic, partition));
  }

  /** The copies being made by moves under way (Kafka's future replicas). */
  futureLogs(): FutureLog[] {
    return this.moves.futures();
  }

  private dataDir(dir: string): DataDir | undefined {
    return this.dataDirs.find((d) => path.resolve(d.path) === path.resolve(dir));
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
  /** What the cleaner has done since the logs were opened (passes, logs cleaned, failures). */
  get cleanerProgress(): Readonly<CleanerProgress> {
    return this.cleaner.progress;
  }

  /** The cleaner's checkpoint of a log (offsets below it are clean), undefined when it has none. */
  cleanerCheckpoint(topic: string, partition: number): number | undefined {
    const key = checkpointKey(topic, partition);
    const dir = this.logDir.get(key);
    return dir ? this.cleaner.cleanedUpTo(key, dir.path) : undefined;
  }

  runCleaner(now = Date.now()): Promise<number> {
    return (this.cleaning = this.cleaner.run(now));
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
    this.moves.abandonAll();
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

  private checkOpen(): void {
    if (this.closed) throw new LogClosedError('the log manager');
  }
}

function entryOf(log: PartitionLog, offset: number): { topic: string; partition: number; offset: number } {
  return { topic: log.topic, partition: log.partition, offset };
}
