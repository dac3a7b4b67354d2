/** `kiln version`: the Kiln version and the Node.js it runs on (`kiln --version` prints the first). */
import type { Command } from '../kiln.js';
import { kilnVersion } from '../../server/config/kiln-version.js';

export const command: Command = {
  name: 'version',
  summary: 'print the Kiln version',
  usage:
    'usage: kiln version\n\nPrints the Kiln version and the Node.js version it runs on.\n' +
    '`kiln --version` and `kiln <command> --version` print `kiln <version>`.',
  async run() {
    process.stdout.write(`kiln ${kilnVersion()} (node ${process.version})\n`);
    return 0;
  },
};
