// A Kiln broker in a child process for the fault suite, so a test can SIGKILL it: `node --import
// tsx server/main.ts` on 127.0.0.1 and a port of the test's choosing (the same port across
// restarts), optionally under a wrapper command (unshare, to be PID 1 of a pid namespace).
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { iterateBatches, readRecords } from '../../engine/index.js';
import { freePort } from '../../tools/cluster/free-port.js';
import { ProtocolClient } from '../helpers/protocol-client.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

export interface ChildBroker {
  child: ChildProcess;
  /** Everything it wrote so far, stdout and stderr. */
  output: () => string;
  /** Resolves with the exit code when it has exited. */
  exited: Promise<number | null>;
}

export { freePort };

export interface SpawnedBroker extends ChildBroker {
  /** Resolves once the broker says it has started; rejects if it exits first. */
  started: Promise<ChildBroker>;
}

/** Spawns a broker without waiting for it (a test may kill it while it starts). */
export function spawnChildBroker(
  port: number,
  dataDir: string,
  properties: Record<string, string> = {},
  wrap: string[] = [],
): SpawnedBroker {
  const overrides = Object.entries({
    listeners: `PLAINTEXT://127.0.0.1:${port}`,
    'log.dirs': dataDir,
    'kiln.admin.listener': 'none',
    ...properties,
  }).flatMap(([key, value]) => ['--override', `${key}=${value}`]);
  const [command, ...args] = [...wrap, process.execPath, '--import', 'tsx', 'server/main.ts', ...overrides];
  const child = spawn(command!, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const output = (): string => out;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const started = new Promise<ChildBroker>((resolve, reject) => {
    const collect = (chunk: Buffer): void => {
      out += chunk.toString();
      if (out.includes('kiln broker started')) resolve({ child, output, exited });
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    void exited.then((code) => reject(new Error(`broker exited with ${code} before starting:\n${out}`)));
  });
  started.catch(() => {}); // a test that kills it while starting does not wait for this
  return { child, output, exited, started };
}

/** Starts a broker and resolves once it says it has started; rejects if it exits first. */
export function startChildBroker(
  port: number,
  dataDir: string,
  properties: Record<string, string> = {},
  wrap: string[] = [],
): Promise<ChildBroker> {
  return spawnChildBroker(port, dataDir, properties, wrap).started;
}

/** Connects, retrying while the broker is not listening yet. */
export async function connect(bootstrap: string, attempts = 400): Promise<ProtocolClient> {
  for (let i = 0; ; i++) {
    try {
      return await ProtocolClient.connect(bootstrap);
    } catch (err) {
      if (i >= attempts) throw err;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** A request that fails when the connection drops instead of waiting forever. */
export function request(
  client: ProtocolClient,
  apiKey: number,
  version: number,
  body: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  return Promise.race([
    client.request(apiKey, version, body),
    client.closed.then(() => Promise.reject(new Error('connection closed'))),
  ]);
}

/** Every record of partition 0 of `topic` (offset and value), read from offset 0 to the end. */
export async function readAll(
  client: ProtocolClient,
  topic: string,
): Promise<{ offset: number; value: string }[]> {
  const records: { offset: number; value: string }[] = [];
  let fetchOffset = 0;
  for (;;) {
    const response = await request(client, 1, 11, {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 4 << 20,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [{ topic, partitions: [{ partition: 0, fetchOffset, partitionMaxBytes: 4 << 20 }] }],
      forgottenTopicsData: [],
      rackId: '',
    });
    const partition = (response.responses as { partitions: Record<string, unknown>[] }[])[0]!.partitions[0]!;
    if (partition.errorCode !== 0) throw new Error(`fetch error ${String(partition.errorCode)}`);
    const bytes = partition.records as Buffer | null;
    const before = fetchOffset;
    for (const batch of iterateBatches(bytes ?? Buffer.alloc(0))) {
      for (const record of readRecords(batch)) {
        if (record.offset < fetchOffset) continue;
        records.push({ offset: record.offset, value: record.value?.toString() ?? '' });
      }
      fetchOffset = batch.lastOffset + 1;
    }
    if (fetchOffset === before) return records;
  }
}
