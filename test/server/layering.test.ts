// The server imports the engine and itself, never the tools, the benchmarks or the tests (the
// admin API's group view reached into tools/perf for the consumer protocol's decoder, which now
// lives in server/group/).
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importsLeaving } from '../helpers/relative-imports.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('server layering', () => {
  it('has no import that leaves server/ except to engine/, packages and node built-ins', () => {
    const { files, offenders } = importsLeaving(root, 'server', ['server', 'engine']);
    expect(files).toBeGreaterThan(50);
    expect(offenders).toEqual([]);
  });
});
