/**
 * The replica fetch pool: the worker threads that do followers' round trips to leaders
 * (fetch-worker.ts), a piscina pool like the engine's codec pool. A fetch mostly waits on the
 * network (a leader holds it up to replica.fetch.wait.max.ms), so several share a thread.
 */
import { getWorkerPool } from '../../../engine/index.js';
import type { EpochsAnswer, FetchAnswer, FetchTask } from './fetch-worker.js';

/** Fetches waiting on leaders that one thread carries at once. */
const FETCHES_PER_THREAD = 16;

export function runFetchTask(task: FetchTask): Promise<FetchAnswer | EpochsAnswer> {
  const pool = getWorkerPool('fetch-worker', import.meta.url, {
    concurrentTasksPerWorker: FETCHES_PER_THREAD,
  });
  return pool.run(task) as Promise<FetchAnswer | EpochsAnswer>;
}
