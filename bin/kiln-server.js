#!/usr/bin/env node
// The broker (`npm start`): the compiled server/main.ts, rebuilt first if a source changed.
// Arguments are the broker's own: --config FILE, --override name=value.
import { ensureBuilt } from '../tools/install/fresh-build.mjs';

try {
  ensureBuilt();
} catch (err) {
  process.stderr.write(`kiln: ${err.message}\n`);
  process.exit(1);
}
await import('../dist/server/main.js');
