/** Broker error codes as errors whose message names the Kafka error (TOPIC_ALREADY_EXISTS, ...). */
import { ErrorCode } from '../protocol/error-codes.js';

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

/** Throws the KafkaError of a non-zero error code, naming `context` and the broker's message if any. */
export function checkError(code: number, context: string, detail?: string | null): void {
  if (code !== 0) throw new KafkaError(code, context, detail);
}

/**
 * A broker that could not be reached, or whose connection was lost mid-command: the command ends
 * with this one line and exit code 1 (tools/client/cli.ts withClient).
 */
export class BrokerConnectionError extends Error {
  constructor(
    readonly address: string,
    readonly reason: string,
    message = `cannot reach broker ${address} (${reason})`,
  ) {
    super(message);
  }
}

/** The short reason of a socket error: its code (ECONNREFUSED, ENOTFOUND, ...) or its message. */
export function socketReason(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : (err as Error).message;
}
