// Waiting on a condition instead of sleeping: a test that sleeps a fixed time is flaky on a slow
// machine and slow on a fast one. `waitFor` polls until the condition holds, and fails with what
// it was waiting for once its deadline passes (generous: a deadline only bounds a failing test).

export interface WaitForOptions {
  /** How long the condition may take before the test fails (default 10 s). */
  timeoutMs?: number;
  /** How often to ask (default 5 ms). */
  intervalMs?: number;
  /** What is being waited for, for the error message. */
  what?: string;
}

/** Resolves as soon as `condition` (sync or async) returns true; rejects after `timeoutMs`. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  { timeoutMs = 10_000, intervalMs = 5, what = 'condition' }: WaitForOptions = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
