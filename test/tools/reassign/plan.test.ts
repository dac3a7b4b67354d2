// The reassignment plan and the topics-to-move file: what is accepted, every way a plan can be
// wrong (each a readable InputError), the printed form, and the checks against a cluster.
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../tools/reassign/json-input.js';
import { formatPlan, parsePlan, parseTopicsToMove, planProblems } from '../../../tools/reassign/plan.js';

const F = 'plan.json';
const plan = (partitions: unknown, extra: object = {}) => ({ version: 1, partitions, ...extra });

describe('parsePlan', () => {
  it('reads partitions with their replicas; log_dirs default to "any"', () => {
    expect(
      parsePlan(
        plan([
          { topic: 't', partition: 0, replicas: [2, 3] },
          { topic: 't', partition: 1, replicas: [3, 1], log_dirs: ['/data/a', 'any'] },
        ]),
        F,
      ),
    ).toEqual([
      { topic: 't', partition: 0, replicas: [2, 3], logDirs: ['any', 'any'] },
      { topic: 't', partition: 1, replicas: [3, 1], logDirs: ['/data/a', 'any'] },
    ]);
  });

  it('takes a plan without "version" (1 is the only one)', () => {
    expect(parsePlan({ partitions: [{ topic: 't', partition: 0, replicas: [1] }] }, F)).toHaveLength(1);
  });

  const cases: [string, unknown, string][] = [
    ['not an object', [1, 2], `${F}: expected a JSON object`],
    ['another version', plan([], { version: 2 }), 'unsupported "version" 2'],
    ['no partitions', { version: 1 }, `${F}: no "partitions" list`],
    ['partitions not a list', plan({}), `${F}: partitions: expected a JSON array`],
    ['an empty list', plan([]), 'the "partitions" list is empty'],
    ['no topic', plan([{ partition: 0, replicas: [1] }]), 'partitions[0].topic: expected a non-empty string'],
    ['a negative partition', plan([{ topic: 't', partition: -1, replicas: [1] }]), 'partitions[0].partition'],
    [
      'replicas missing',
      plan([{ topic: 't', partition: 0 }]),
      'partitions[0] (t-0).replicas: expected a JSON array',
    ],
    ['a replica not a number', plan([{ topic: 't', partition: 0, replicas: [1, 'x'] }]), '(t-0).replicas[1]'],
    [
      'an empty replica list',
      plan([{ topic: 't', partition: 0, replicas: [] }]),
      't-0): the replica list is empty',
    ],
    [
      'a broker twice',
      plan([{ topic: 't', partition: 0, replicas: [1, 2, 1] }]),
      'broker 1 appears more than once in replicas [1,2,1]',
    ],
    [
      'log_dirs of another length',
      plan([{ topic: 't', partition: 0, replicas: [1, 2], log_dirs: ['any'] }]),
      '1 log_dirs for 2 replicas',
    ],
    [
      'a partition twice',
      plan([
        { topic: 't', partition: 0, replicas: [1] },
        { topic: 't', partition: 0, replicas: [2] },
      ]),
      'partition t-0 listed more than once',
    ],
  ];
  for (const [what, json, message] of cases) {
    it(`refuses ${what}`, () => {
      expect(() => parsePlan(json, F)).toThrow(InputError);
      expect(() => parsePlan(json, F)).toThrow(message);
    });
  }
});

describe('parseTopicsToMove', () => {
  it('reads the topic names', () => {
    expect(parseTopicsToMove({ version: 1, topics: [{ topic: 'a' }, { topic: 'b' }] }, F)).toEqual([
      'a',
      'b',
    ]);
  });

  it('refuses a missing or empty list, a nameless entry and a topic twice', () => {
    expect(() => parseTopicsToMove({ version: 1 }, F)).toThrow('no "topics" list');
    expect(() => parseTopicsToMove({ topics: [] }, F)).toThrow('the "topics" list is empty');
    expect(() => parseTopicsToMove({ topics: [{ name: 'a' }] }, F)).toThrow('topics[0].topic');
    expect(() => parseTopicsToMove({ topics: [{ topic: 'a' }, { topic: 'a' }] }, F)).toThrow(
      'topic a listed more than once',
    );
  });
});

describe('formatPlan', () => {
  it("prints Kafka's one-line JSON, sorted by topic then partition, log_dirs filled in", () => {
    const text = formatPlan([
      { topic: 'b', partition: 0, replicas: [1] },
      { topic: 'a', partition: 1, replicas: [2, 3], logDirs: ['/data/x', 'any'] },
      { topic: 'a', partition: 0, replicas: [3, 1] },
    ]);
    expect(text).toBe(
      '{"version":1,"partitions":[' +
        '{"topic":"a","partition":0,"replicas":[3,1],"log_dirs":["any","any"]},' +
        '{"topic":"a","partition":1,"replicas":[2,3],"log_dirs":["/data/x","any"]},' +
        '{"topic":"b","partition":0,"replicas":[1],"log_dirs":["any"]}]}',
    );
    // What is printed reads back as the same plan.
    expect(parsePlan(JSON.parse(text), F).map((p) => p.replicas)).toEqual([[3, 1], [2, 3], [1]]);
  });
});

describe('planProblems', () => {
  const cluster = { brokers: new Set([1, 2, 3]), partitionCounts: new Map([['t', 2]]) };

  it('is empty for a plan that fits', () => {
    expect(
      planProblems(parsePlan(plan([{ topic: 't', partition: 1, replicas: [3, 1] }]), F), cluster),
    ).toEqual([]);
  });

  it('names unknown topics, partitions and brokers, every one', () => {
    const problems = planProblems(
      parsePlan(
        plan([
          { topic: 'nope', partition: 0, replicas: [1] },
          { topic: 't', partition: 5, replicas: [1] },
          { topic: 't', partition: 0, replicas: [1, 7, 9] },
        ]),
        F,
      ),
      cluster,
    );
    expect(problems).toEqual([
      'nope-0: topic nope does not exist',
      't-5: no such partition (t has 2)',
      't-0: no broker 7, 9 in the cluster (its brokers: 1,2,3)',
    ]);
  });
});
