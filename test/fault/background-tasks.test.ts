import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildBatch } from '../../engine/index.js';
import { ErrorCode } from '../../server/protocol/error-codes.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { connect, freePort, readAll, request, startChildBroker, type ChildBroker } from './child-broker.js';

/**
 * Background tasks (checkpoints, retention, flushes, the cleaner) meet the same faults as requests:
 * out of file descriptors, they fail. A failure is reported and retried; it never ends the broker.
 */
describe('background tasks out of file descriptors', () => {
  const cleanup: (() => void)[] = [];
  afterEach(() => {
    for (const step of cleanup.splice(0).reverse()) step();
  });

  it(
    'a broker whose descriptors run out keeps running, and takes writes once they are back',
    { timeout: 60_000 },
    async () => {
      const dataDir = makeTempDir('kiln-emfile-');
      cleanup.push(() => removeTempDir(dataDir));
      const port = await freePort();
      const bootstrap = `127.0.0.1:${port}`;
      const properties = {
        'offsets.topic.num.partitions': '1',
        'log.flush.offset.checkpoint.interval.ms': '50',
        'log.retention.check.interval.ms': '50',
      };
      // A descriptor limit a few hundred connections exhaust, as 22,000 do under the usual one.
      const broker: ChildBroker = await startChildBroker(port, dataDir, properties, [
        'prlimit',
        '--nofile=512:512',
      ]);
      cleanup.push(() => broker.child.kill('SIGKILL'));
      const produce = async (value: string): Promise<number> => {
        const client = await connect(bootstrap);
        try {
          const response = await request(client, 0, 7, {
            transactionalId: null,
            acks: -1,
            timeoutMs: 5000,
            topicData: [
              { name: 'fds', partitionData: [{ index: 0, records: buildBatch({ records: [{ value }] }) }] },
            ],
          });
          return (response.responses as { partitionResponses: { errorCode: number }[] }[])[0]!
            .partitionResponses[0]!.errorCode;
        } finally {
          client.close();
        }
      };
      const admin = await connect(bootstrap);
      await request(admin, 19, 4, {
        topics: [{ name: 'fds', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
        timeoutMs: 5000,
        validateOnly: false,
      });
      admin.close();
      expect(await produce('before')).toBe(ErrorCode.NONE);

      // Connections until the broker has no descriptor left (the kernel still queues the rest).
      const sockets: net.Socket[] = [];
      cleanup.push(() => sockets.forEach((socket) => socket.destroy()));
      for (let i = 0; i < 700; i++) {
        const socket = net.connect({ host: '127.0.0.1', port });
        socket.on('error', () => {});
        sockets.push(socket);
      }
      // The checkpoint timer fires every 50 ms; it now cannot open its temporary file.
      const deadline = Date.now() + 20_000;
      while (!broker.output().includes('background task checkpoint failed') && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 50));
      expect(broker.output()).toContain('background task checkpoint failed');
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(broker.child.exitCode, broker.output()).toBeNull();

      for (const socket of sockets.splice(0)) socket.destroy();
      let answer = -1;
      for (let i = 0; i < 100 && answer !== ErrorCode.NONE; i++) {
        answer = await produce('after').catch(() => -1);
        if (answer !== ErrorCode.NONE) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(answer).toBe(ErrorCode.NONE);
      const checker = await connect(bootstrap);
      expect((await readAll(checker, 'fds')).map((record) => record.value)).toEqual(['before', 'after']);
      checker.close();
      // The checkpoint works again: reported, and the file is written.
      const checkpoint = path.join(dataDir, 'recovery-point-offset-checkpoint');
      while (
        !broker.output().includes('background task checkpoint works again') &&
        Date.now() < deadline + 20_000
      )
        await new Promise((resolve) => setTimeout(resolve, 50));
      expect(broker.output()).toContain('background task checkpoint works again');
      expect(fs.existsSync(checkpoint)).toBe(true);
      broker.child.kill('SIGTERM');
      expect(await broker.exited).toBe(0);
    },
  );
});
