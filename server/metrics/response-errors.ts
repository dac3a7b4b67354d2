/**
 * Error codes in the answers of every API but Produce and Fetch, for the errors metric
 * (kafka_network_requestmetrics_errors_total by request and error). Produce and Fetch count
 * theirs in their handlers (broker-metrics.ts), without a walk over the answer; the other APIs are
 * rare next to them, so their answers are walked: every `errorCode` field, at the top level (a
 * request-wide error) and in each nested entry (per topic, partition, group or resource).
 */

const PRODUCE_KEY = 0;
const FETCH_KEY = 1;

/** Whether answers of `apiKey` are walked here (the produce and fetch handlers count their own). */
export function walksErrorsOf(apiKey: number): boolean {
  return apiKey !== PRODUCE_KEY && apiKey !== FETCH_KEY;
}

/** Calls `error(code)` for every non-zero `errorCode` in `body`, however deep. */
export function forEachErrorCode(body: unknown, error: (code: number) => void): void {
  if (typeof body !== 'object' || body === null || ArrayBuffer.isView(body)) return;
  if (Array.isArray(body)) {
    for (const entry of body) forEachErrorCode(entry, error);
    return;
  }
  const fields = body as Record<string, unknown>;
  for (const key in fields) {
    const value = fields[key];
    if (key === 'errorCode') {
      if (typeof value === 'number' && value !== 0) error(value);
    } else if (typeof value === 'object') forEachErrorCode(value, error);
  }
}
