// The chaos load against one real Kiln broker: Debian's confluent-kafka-python producer
// (producer.py), its acknowledgements, and librdkafka's own view of a partition that stopped
// taking records, which a stuck chaos verdict carries.
import { afterEach, describe, expect, it } from 'vitest';
import { LoadGenerator } from '../../../bench/chaos/load-generator.js';
import { startBroker, type RunningBroker } from '../../helpers/broker-fixture.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { waitFor } from '../../helpers/wait-for.js';

describe('LoadGenerator', () => {
  let kiln: RunningBroker | undefined;
  let load: LoadGenerator | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await load?.stop();
    await kiln?.stop();
    if (dir) removeTempDir(dir);
    kiln = load = dir = undefined;
  });

  it("a stalled partition's verdict carries librdkafka's view: where it sends, what it holds, each broker's state", async () => {
    kiln = await startBroker();
    dir = makeTempDir('kiln-load-');
    const lines: string[] = [];
    load = LoadGenerator.start({
      bootstrap: kiln.bootstrap,
      topics: ['load-view'],
      producers: 1,
      rate: 200,
      valueBytes: 64,
      messageTimeoutMs: 120_000,
      flushSeconds: 1,
      dir,
      log: (line) => lines.push(line),
    });
    const l = load;
    expect(await l.waitForAcks(50, 30_000), lines.join('\n')).toBe(true);
    const id = kiln.broker.config.brokerId;
    // While records flow, librdkafka sends the partition to the leader it names.
    await waitFor(() => l.clientViewsOf(['load-view/0']).includes(`load-view/0 sent to its leader ${id}`), {
      timeoutMs: 15_000,
      intervalMs: 100,
      what: `librdkafka's view of load-view/0 (${l.clientViewsOf(['load-view/0'])})`,
    });
    expect(l.clientViewsOf(['load-view/0'])).toMatch(/idempotence Assigned \(producer id \d+, epoch 0\)/);

    // The broker goes away: nothing is acknowledged any more, records pile up in librdkafka.
    await kiln.stop();
    kiln = undefined;
    const mark = l.mark();
    const stalled = (): string => l.stalledSince(mark, ['load-view/0']) ?? '';
    // (A view taken before the broker went may come first: wait for one taken after.)
    const down = new RegExp(
      `[1-9]\\d* record\\(s\\) undelivered; load-view/0 sent to its leader ${id}, .*; brokers ${id} (DOWN|CONNECT|TRY_CONNECT) `,
    );
    await waitFor(() => down.test(stalled()), {
      timeoutMs: 15_000,
      intervalMs: 100,
      what: `librdkafka to see the broker gone, holding records (${stalled()})`,
    });
    const verdict = stalled();
    expect(verdict).toMatch(
      /^no record acknowledged on load-view\/0 since the fault was undone \(producer 0's librdkafka/,
    );
    expect(verdict).toMatch(down);
  }, 60_000);
});
