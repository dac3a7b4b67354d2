// Helpers for tests of `kiln produce` / `kiln consume` run as real processes: spawn the CLI (on a
// pseudo-terminal when asked), collect its output, and wait for what a broker holds.
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { promisify } from 'node:util';
import { KafkaClient, LATEST } from '../../tools/client/kafka-client.js';

/**
 * Runs its arguments with stdin on a new pseudo-terminal and copies its own stdin there (end of
 * input becomes Ctrl-D), so the command sees a terminal, as when someone types.
 */
const ON_A_TERMINAL = `
import os, subprocess, sys
master, slave = os.openpty()
child = subprocess.Popen(sys.argv[1:], stdin=slave)
os.close(slave)
for line in sys.stdin.buffer:
    os.write(master, line)
os.write(master, b'\\x04')
sys.exit(child.wait())
`;

/** How long building dist/ may take, for the beforeAll that calls buildKiln. */
export const BUILD_TIMEOUT_MS = 600_000;

/**
 * Runs `bin/kiln.js --version` once, so dist/ is rebuilt now if a source changed (the binary runs
 * the compiled CLI) rather than inside a test that waits for the process to answer.
 */
export async function buildKiln(): Promise<void> {
  const { stdout } = await promisify(execFile)('node', ['bin/kiln.js', '--version'], {
    timeout: BUILD_TIMEOUT_MS,
  });
  if (!/^kiln \S+\n$/.test(stdout)) throw new Error(`bin/kiln.js --version printed '${stdout}'`);
}

export interface KilnProcess {
  child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
}

/** Starts `bin/kiln.js ...argv` (through a pseudo-terminal when `tty`). */
export function spawnKiln(argv: string[], opts: { tty?: boolean } = {}): KilnProcess {
  const command = ['node', 'bin/kiln.js', ...argv];
  const child = opts.tty
    ? spawn('python3', ['-c', ON_A_TERMINAL, ...command])
    : spawn(command[0]!, command.slice(1));
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  // A source edited since buildKiln makes bin/kiln.js rebuild first and say so: not the command's output.
  const stderr = () => err.replace(/^kiln: compiling the TypeScript sources into dist\/.*\n/m, '');
  return { child, stdout: () => out, stderr, exited };
}

/** Resolves once `check` returns true; fails after `timeoutMs` (a deadline, not a measurement). */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The log end offset of each partition of `topic`. */
export async function endOffsets(bootstrap: string, topic: string): Promise<Map<number, number>> {
  const client = await KafkaClient.connect(bootstrap);
  try {
    const meta = await client.topic(topic);
    return await client.listOffsets(
      meta,
      meta.partitions.map((p) => p.partition),
      LATEST,
    );
  } finally {
    client.close();
  }
}

/** The number of records `topic` holds (all partitions, from offset 0). */
export async function recordCount(bootstrap: string, topic: string): Promise<number> {
  return [...(await endOffsets(bootstrap, topic)).values()].reduce((a, b) => a + b, 0);
}
