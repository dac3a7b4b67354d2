import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importsLeaving } from '../helpers/relative-imports.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** The engine never imports the server, the tools, the benchmarks or the tests (the lint rule checks it too). */
describe('engine layering', () => {
  it('has no import that leaves engine/ except to packages and node built-ins', () => {
    const { files, offenders } = importsLeaving(root, 'engine', ['engine']);
    expect(files).toBeGreaterThan(10);
    expect(offenders).toEqual([]);
  });
});
