import { describe, expect, it } from 'vitest';
import { forEachErrorCode, walksErrorsOf } from '../../../server/metrics/response-errors.js';

describe('error codes in answers', () => {
  it('finds every non-zero errorCode, at the top and nested in topics and partitions, not inside bytes', () => {
    const codes: number[] = [];
    forEachErrorCode(
      {
        errorCode: 41,
        topics: [
          { name: 'a', errorCode: 0, partitions: [{ partitionIndex: 0, errorCode: 3 }, { errorCode: 0 }] },
          { name: 'b', errorCode: 36, partitions: [] },
        ],
        groups: [{ errorCode: -1, assignment: Buffer.from('errorCode') }],
        errorMessage: null,
      },
      (code) => codes.push(code),
    );
    expect(codes.sort((a, b) => a - b)).toEqual([-1, 3, 36, 41]);
  });

  it('leaves Produce and Fetch to their handlers, which count their own', () => {
    expect(walksErrorsOf(0)).toBe(false);
    expect(walksErrorsOf(1)).toBe(false);
    expect(walksErrorsOf(3)).toBe(true);
    expect(walksErrorsOf(19)).toBe(true);
  });
});
