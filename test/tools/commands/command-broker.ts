// One broker for a test file of `kiln` network commands: started before the file's tests, stopped
// after them, with a scratch directory for the input files the in-process commands read.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { startBroker, type RunningBroker } from '../../helpers/broker-fixture.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';

export interface CommandBroker {
  /** The running broker (set once the file's beforeAll has run). */
  readonly broker: RunningBroker;
  /** `--bootstrap-server HOST:PORT` of it, to spread into a command line. */
  readonly bs: string[];
  /** Writes `lines` to a file in the scratch directory (in-process runs cannot feed stdin). */
  inputFile(name: string, lines: string[]): string;
}

/** Registers the broker's start and stop with the calling test file. */
export function useCommandBroker(properties: Record<string, string> = {}): CommandBroker {
  let broker: RunningBroker | undefined;
  let dir = '';
  beforeAll(async () => {
    broker = await startBroker(properties);
    dir = makeTempDir('kiln-command-');
  });
  afterAll(async () => {
    await broker?.stop();
    if (dir) removeTempDir(dir);
  });
  return {
    get broker() {
      if (!broker) throw new Error('the broker starts in beforeAll');
      return broker;
    },
    get bs() {
      return ['--bootstrap-server', this.broker.bootstrap];
    },
    inputFile(name, lines) {
      const file = path.join(dir, name);
      fs.writeFileSync(file, lines.join('\n') + '\n');
      return file;
    },
  };
}
