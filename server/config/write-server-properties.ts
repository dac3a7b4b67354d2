/**
 * Writes the example server.properties generated from the registry:
 * `tsx server/config/write-server-properties.ts [file]` (default server/server.properties,
 * relative to the directory it runs in: the package root under npm run).
 */
import fs from 'node:fs';
import { renderServerProperties } from './server-properties-doc.js';

const file = process.argv[2] ?? 'server/server.properties';
fs.writeFileSync(file, renderServerProperties());
process.stdout.write(`wrote ${file}\n`);
