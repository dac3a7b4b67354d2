/** Broker error codes as errors whose message names the Kafka error (TOPIC_ALREADY_EXISTS, ...). */
import { ErrorCode } from '../../server/protocol/error-codes.js';

const ERROR_NAMES = new Map<number, string>(Object.entries(ErrorCode).map(([name, code]) => [code, name]));

export function errorName(code: number): string {
  return ERROR_NAMES.get(code) ?? `ERROR_${code}`;
}

/** An error code a broker answered with; the message names the Kafka error. */
export class KafkaError extends Error {
  constructor(
    readonly code: number,
    context: string,
    detail?: string | null,
  ) {
    super(`${context}: ${errorName(code)}${detail ? ` (${detail})` : ''}`);
  }
}

export function checkError(code: unknown, context: string, detail?: unknown): void {
  if (typeof code === 'number' && code !== 0) throw new KafkaError(code, context, detail as string | null);
}
