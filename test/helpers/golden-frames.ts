// The Kafka 2.4.1 wire captures in ../shared/fixtures/kafka-2.4.1 (see its README): every captured
// request and response, with its API key and version, read from each client folder's index.json.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES_DIR = fileURLToPath(new URL('../../../shared/fixtures/kafka-2.4.1/', import.meta.url));

export interface GoldenFrame {
  client: string;
  seq: number;
  apiKey: number;
  apiName: string;
  apiVersion: number;
  note: string;
  request: Buffer;
  response: Buffer | null;
}

interface IndexEntry {
  seq: number;
  api_key: number;
  api_name: string;
  api_version: number;
  request_file: string;
  response_file: string | null;
  note: string;
}

export function goldenFrames(): GoldenFrame[] {
  const frames: GoldenFrame[] = [];
  for (const client of fs.readdirSync(FIXTURES_DIR).sort()) {
    const index = path.join(FIXTURES_DIR, client, 'index.json');
    if (!fs.existsSync(index)) continue;
    for (const entry of JSON.parse(fs.readFileSync(index, 'utf8')) as IndexEntry[]) {
      frames.push({
        client,
        seq: entry.seq,
        apiKey: entry.api_key,
        apiName: entry.api_name,
        apiVersion: entry.api_version,
        note: entry.note,
        request: fs.readFileSync(path.join(FIXTURES_DIR, client, entry.request_file)),
        response: entry.response_file
          ? fs.readFileSync(path.join(FIXTURES_DIR, client, entry.response_file))
          : null,
      });
    }
  }
  return frames;
}
