import { describe, expect, it } from 'vitest';
import { InvalidConfigError } from '../../../engine/errors.js';
import {
  LONG_MAX,
  describeRange,
  parsePropertyValue,
  propertyText,
} from '../../../engine/log/property-value.js';

describe('parsePropertyValue', () => {
  it('reads each type as Kafka does', () => {
    expect(parsePropertyValue('a', { type: 'int', min: 0 }, ' 42 ')).toBe(42);
    expect(parsePropertyValue('a', { type: 'long' }, '9223372036854775807')).toBe(LONG_MAX);
    expect(parsePropertyValue('a', { type: 'double', min: 0, max: 1 }, '0.25')).toBe(0.25);
    expect(parsePropertyValue('a', { type: 'boolean' }, 'TRUE')).toBe(true);
    expect(parsePropertyValue('a', { type: 'string', values: ['x', 'y'] }, 'y')).toBe('y');
    expect(parsePropertyValue('a', { type: 'string' }, 'anything')).toBe('anything');
  });

  it('a list keeps each item once, in one order, and needs at least one known item', () => {
    const spec = { type: 'list' as const, values: ['delete', 'compact'] };
    expect(parsePropertyValue('p', spec, 'delete, compact,delete')).toBe('compact,delete');
    expect(() => parsePropertyValue('p', spec, ' , ')).toThrow(/one or more of delete, compact/);
    expect(() => parsePropertyValue('p', spec, 'delete,shred')).toThrow(/got 'delete,shred'/);
  });

  it('an error names the property and says why', () => {
    let error: unknown;
    try {
      parsePropertyValue('segment.bytes', { type: 'int', min: 14 }, '2147483648');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InvalidConfigError);
    expect((error as InvalidConfigError).key).toBe('segment.bytes');
    expect((error as Error).message).toBe(
      'invalid value for segment.bytes: 2147483648 is out of range for an int',
    );
  });

  it("writes Kafka's long maximum back as Kafka's text, and says a range in words", () => {
    expect(propertyText(LONG_MAX)).toBe('9223372036854775807');
    expect(propertyText(false)).toBe('false');
    expect(describeRange({ type: 'double', min: 0, max: 1 })).toBe('0 to 1');
    expect(describeRange({ type: 'int', min: 1 })).toBe('at least 1');
    expect(describeRange({ type: 'list', values: ['a', 'b'] })).toBe('any of a, b');
    expect(describeRange({ type: 'long' })).toBe('');
  });
});
