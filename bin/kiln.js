#!/usr/bin/env node
// The `kiln` command (package.json bin): runs tools/kiln.ts through tsx's loader.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../tools/kiln.ts');
process.exitCode = await main(process.argv.slice(2));
