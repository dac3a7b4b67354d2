// bench/chaos/stale_delegation.py, run by Debian's Python as the chaos producer runs it: it must
// tell librdkafka 2.0.2 stuck on a stale broker (a partition sent to one broker while librdkafka
// names another its leader, sample after sample) from a leader change under way.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PYTHON } from '../../../bench/chaos/load-generator.js';

const chaosDir = fileURLToPath(new URL('../../../bench/chaos', import.meta.url));

interface Sample {
  at: number;
  partitions: { topic: string; partition: number; broker: number; leader: number; nextAckSeq: number }[];
}

/** What StaleDelegation.observe answers to each sample, in order (null: nothing stuck). */
function observe(samples: Sample[], reset: number[] = []): (string | null)[] {
  const script = `
import json, sys
sys.path.insert(0, ${JSON.stringify(chaosDir)})
from stale_delegation import StaleDelegation
s = StaleDelegation()
out = []
for i, sample in enumerate(json.loads(sys.stdin.read())):
    if i in ${JSON.stringify(reset)}:
        s.reset()
    out.append(s.observe(sample["at"], sample["partitions"]))
print(json.dumps(out))
`;
  return JSON.parse(execFileSync(PYTHON, ['-c', script], { input: JSON.stringify(samples) }).toString()) as (
    string | null
  )[];
}

const p = (partition: number, broker: number, leader: number, nextAckSeq = 7) => ({
  topic: 't',
  partition,
  broker,
  leader,
  nextAckSeq,
});

describe('StaleDelegation (chaos producer)', () => {
  it('a partition sent to a broker other than the leader librdkafka names, for 10 s, is librdkafka stuck', () => {
    const samples = [0, 2, 4, 6, 8, 10, 12].map((at) => ({ at, partitions: [p(0, 1, 1), p(1, 1, 3)] }));
    const answers = observe(samples);
    expect(answers.slice(0, 5)).toEqual([null, null, null, null, null]);
    expect(answers[5]).toBe(
      "librdkafka sent t/1 to broker 1 for 10 s though it names broker 3 its leader (librdkafka 2.0.2's stale delegation)",
    );
    expect(answers[6]).toMatch(/t\/1 to broker 1 for 12 s/);
  });

  it('a leader change under way, no leader known, or the internal broker is not; a mismatch that ends starts the count again', () => {
    const samples: Sample[] = [
      // Handed over within a sample: the next one agrees.
      { at: 0, partitions: [p(0, 1, 2)] },
      { at: 2, partitions: [p(0, 2, 2)] },
      // Waiting on no leader (-1) or on librdkafka's internal broker (-1), however long.
      ...[4, 8, 12, 16].map((at) => ({ at, partitions: [p(0, -1, 2), p(1, 3, -1)] })),
      // A mismatch, gone at 22, back at 24: counted from 24.
      { at: 18, partitions: [p(0, 1, 2)] },
      { at: 22, partitions: [p(0, 2, 2)] },
      { at: 24, partitions: [p(0, 1, 2)] },
      { at: 32, partitions: [p(0, 1, 2)] },
      { at: 34, partitions: [p(0, 1, 2)] },
    ];
    const answers = observe(samples);
    expect(answers.slice(0, 10)).toEqual(Array(10).fill(null));
    expect(answers[10]).toMatch(/t\/0 to broker 1 for 10 s though it names broker 2/);
  });

  it('a mismatch while records are acknowledged is not stuck (the partition is on the right broker, librdkafka names the old leader); the count starts when they stop', () => {
    const samples = [0, 2, 4, 6, 8, 10, 12, 14].map((at) => ({ at, partitions: [p(0, 3, 1, 100 + at)] }));
    samples.push(...[16, 18, 20, 22, 24, 26].map((at) => ({ at, partitions: [p(0, 3, 1, 114)] })));
    const answers = observe(samples);
    expect(answers.slice(0, 12)).toEqual(Array(12).fill(null));
    expect(answers[12]).toMatch(/t\/0 to broker 3 for 10 s though it names broker 1/);
  });

  it('reset forgets what was seen (a new producer instance starts afresh)', () => {
    const samples = [0, 6, 10, 16].map((at) => ({ at, partitions: [p(0, 1, 2)] }));
    expect(observe(samples, [2])).toEqual([null, null, null, null]);
  });
});
