/** `kiln version`: the Kiln version and the Node.js it runs on. */
import fs from 'node:fs';
import type { Command } from '../kiln.js';

export const command: Command = {
  name: 'version',
  summary: 'print the Kiln version',
  usage: 'usage: kiln version\n\nPrints the Kiln version and the Node.js version it runs on.',
  async run() {
    const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    process.stdout.write(`kiln ${pkg.version} (node ${process.version})\n`);
    return 0;
  },
};
