// bench/chaos/fatal_errors.py, run by Debian's Python: confluent-kafka-python 1.7 raises librdkafka's
// fatal errors from poll()/flush()/produce() instead of calling error_cb, so the chaos producer
// died with a traceback on one (an OUT_OF_ORDER_SEQUENCE_NUMBER after a leader change) instead of
// starting a new producer instance.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PYTHON } from '../../../bench/chaos/load-generator.js';

const chaosDir = fileURLToPath(new URL('../../../bench/chaos', import.meta.url));

function run(body: string): unknown {
  const script = `
import json, sys
sys.path.insert(0, ${JSON.stringify(chaosDir)})
from confluent_kafka import KafkaError, KafkaException
from fatal_errors import catching_fatal
${body}
`;
  return JSON.parse(execFileSync(PYTHON, ['-c', script]).toString());
}

describe('catching_fatal (chaos producer)', () => {
  it('a fatal error raised by the call goes to on_fatal, and the call answers None', () => {
    const out = run(`
seen = []
def poll(timeout):
    raise KafkaException(KafkaError(KafkaError.OUT_OF_ORDER_SEQUENCE_NUMBER, "desync", fatal=True))
answer = catching_fatal(poll, (0.1,), lambda err: seen.append([err.name(), err.str(), err.fatal()]))
print(json.dumps({"answer": answer, "seen": seen}))
`);
    expect(out).toEqual({ answer: null, seen: [['OUT_OF_ORDER_SEQUENCE_NUMBER', 'desync', true]] });
  });

  it('answers what the call answers, and raises an error that is not fatal as it is', () => {
    const out = run(`
ok = catching_fatal(lambda n: n + 1, (41,), lambda err: None)
try:
    catching_fatal(lambda: (_ for _ in ()).throw(KafkaException(KafkaError(KafkaError._UNKNOWN_TOPIC, "no topic"))), (), lambda err: None)
    raised = None
except KafkaException as e:
    raised = e.args[0].name()
print(json.dumps({"ok": ok, "raised": raised}))
`);
    expect(out).toEqual({ ok: 42, raised: '_UNKNOWN_TOPIC' });
  });
});
