import { describe, expect, it } from 'vitest';
import { kiln } from './run-command.js';

// Kafka's tools all answer --version; so do the log tools, even with their other options given.
describe('the log tools answer --version', () => {
  for (const argv of [
    ['dump-log', '--files', 'x.log', '--version'],
    ['verify', '--version'],
    ['compact', 'nowhere-0', '--version'],
    ['segments', '--version'],
  ]) {
    it(`kiln ${argv.join(' ')}`, async () => {
      const { code, stdout } = await kiln(...argv);
      expect(code).toBe(0);
      expect(stdout).toMatch(/^kiln \d+\.\d+\.\d+\S*\n$/);
    });
  }
});
