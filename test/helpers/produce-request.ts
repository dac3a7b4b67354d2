// A test-only reader for captured Produce requests (v3 and later, non-flexible: up to v8): just
// enough to pull each partition's record set out of a golden frame. The server's protocol codec
// is the real decoder; this one exists so record tests need not depend on it.
import { readFileSync } from 'node:fs';

export interface ProducePartition {
  topic: string;
  partition: number;
  /** The record set: batches back to back, a subarray of the frame. */
  records: Buffer;
}

export interface ProduceRequest {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
  transactionalId: string | null;
  acks: number;
  timeoutMs: number;
  partitions: ProducePartition[];
}

/** Absolute path of a file under the shared golden fixtures (../shared beside the repo root). */
export function fixturePath(relative: string): string {
  return new URL(`../../../shared/fixtures/${relative}`, import.meta.url).pathname;
}

/** Parses a request frame (without its 4-byte size prefix). */
export function parseProduceRequest(frame: Buffer): ProduceRequest {
  let pos = 0;
  const int16 = (): number => {
    const v = frame.readInt16BE(pos);
    pos += 2;
    return v;
  };
  const int32 = (): number => {
    const v = frame.readInt32BE(pos);
    pos += 4;
    return v;
  };
  const nullableString = (): string | null => {
    const length = int16();
    if (length < 0) return null;
    const s = frame.toString('utf8', pos, pos + length);
    pos += length;
    return s;
  };

  const apiKey = int16();
  const apiVersion = int16();
  if (apiKey !== 0 || apiVersion < 3 || apiVersion > 8) {
    throw new Error(`not a Produce v3-v8 request: api key ${apiKey}, version ${apiVersion}`);
  }
  const correlationId = int32();
  const clientId = nullableString();
  const transactionalId = nullableString();
  const acks = int16();
  const timeoutMs = int32();
  const partitions: ProducePartition[] = [];
  for (let t = int32(); t > 0; t--) {
    const topic = nullableString() ?? '';
    for (let p = int32(); p > 0; p--) {
      const partition = int32();
      const length = int32();
      partitions.push({ topic, partition, records: frame.subarray(pos, pos + length) });
      pos += Math.max(length, 0);
    }
  }
  if (pos !== frame.length) throw new Error(`${frame.length - pos} bytes left after the Produce body`);
  return { apiKey, apiVersion, correlationId, clientId, transactionalId, acks, timeoutMs, partitions };
}

/** Reads and parses a captured Produce request file under the shared fixtures. */
export function readProduceFixture(relative: string): ProduceRequest {
  return parseProduceRequest(readFileSync(fixturePath(relative)));
}
