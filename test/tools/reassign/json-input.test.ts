// Reading the operator commands' JSON files: an unreadable file, text that is not JSON and values
// of the wrong shape are InputErrors naming the file and the place.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  InputError,
  idAt,
  nameAt,
  objectAt,
  readJsonFile,
  repeated,
} from '../../../tools/reassign/json-input.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';

const dir = makeTempDir('kiln-json-input-');
afterAll(() => removeTempDir(dir));

function file(name: string, text: string): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
}

describe('readJsonFile', () => {
  it('parses a file', () => {
    expect(readJsonFile(file('ok.json', '{"a":[1]}'), 'plan')).toEqual({ a: [1] });
  });

  it('a missing file names the file and the reason', () => {
    const missing = path.join(dir, 'nope.json');
    expect(() => readJsonFile(missing, 'reassignment plan')).toThrow(InputError);
    expect(() => readJsonFile(missing, 'reassignment plan')).toThrow(
      `cannot read reassignment plan ${missing} (ENOENT)`,
    );
  });

  it('a directory is not readable as a file', () => {
    expect(() => readJsonFile(dir, 'plan')).toThrow(/cannot read plan .* \(EISDIR\)/);
  });

  it('an empty file and text that is not JSON are named as such', () => {
    expect(() => readJsonFile(file('empty.json', ' \n'), 'plan')).toThrow('the plan is empty');
    const bad = file('bad.json', '{"partitions": [');
    expect(() => readJsonFile(bad, 'plan')).toThrow(`${bad}: not valid JSON`);
  });
});

describe('field readers', () => {
  it('say where the wrong value is and what was expected', () => {
    expect(() => objectAt([], 'f: partitions[0]')).toThrow('f: partitions[0]: expected a JSON object');
    expect(() => nameAt('', 'x.topic')).toThrow('x.topic: expected a non-empty string');
    expect(() => idAt(-1, 'x.partition')).toThrow('x.partition: expected a whole number from 0, got -1');
    expect(() => idAt(1.5, 'x')).toThrow('got 1.5');
    expect(() => idAt('3', 'x')).toThrow('got "3"');
    expect(idAt(7, 'x')).toBe(7);
  });

  it('repeated lists each repeated item once', () => {
    expect(repeated([1, 2, 1, 3, 1, 2])).toEqual([1, 2]);
    expect(repeated(['a', 'b'])).toEqual([]);
  });
});
