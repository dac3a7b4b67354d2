#!/usr/bin/env node
// The `kiln` command (package.json bin): the compiled tools/kiln.ts, rebuilt first if a source changed.
import { ensureBuilt } from '../tools/install/fresh-build.mjs';

try {
  ensureBuilt();
} catch (err) {
  process.stderr.write(`kiln: ${err.message}\n`);
  process.exit(1);
}
const { main } = await import('../dist/tools/kiln.js');
process.exitCode = await main(process.argv.slice(2));
