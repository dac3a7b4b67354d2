// The controller's partition state writes on a real ZooKeeper: read fresh, written version-checked
// inside the fenced multi, and computed again when a leader wrote in between.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { updatePartitionStates } from '../../../../server/cluster/controller/partition-state-updates.js';
import { ZkClient } from '../../../../server/cluster/zookeeper/zk-client.js';
import { partitionState } from '../../../../server/cluster/zookeeper/zk-topics.js';
import {
  partitionStatePath,
  partitionStateZnode,
  type PartitionState,
} from '../../../../server/cluster/zookeeper/znodes.js';
import { startZooKeeper, type RunningZooKeeper } from '../../../helpers/zookeeper.js';

let zookeeper: RunningZooKeeper;
let zk: ZkClient;

beforeAll(async () => {
  zookeeper = await startZooKeeper();
  zk = await ZkClient.connect(`${zookeeper.connect}/state-updates`, {
    sessionTimeoutMs: 10_000,
    connectionTimeoutMs: 10_000,
  });
});

afterAll(async () => {
  zk?.close();
  await zookeeper?.stop();
});

async function makeState(topic: string, state: PartitionState): Promise<void> {
  await zk.ensurePath(`/brokers/topics/${topic}/partitions/0`);
  await zk.create(partitionStatePath(topic, 0), partitionStateZnode.encode(state));
}

const options = (log: string[] = []) => ({
  zk,
  fencedMulti: (ops: Parameters<ZkClient['multi']>[0]) => zk.multi(ops),
  controllerEpoch: 2,
  stillCurrent: () => {},
  log: (m: string) => log.push(m),
});

describe('updatePartitionStates', () => {
  it('computes again from the new state when a leader wrote between the read and the write', async () => {
    await makeState('raced', { leader: 1, leaderEpoch: 0, isr: [1, 2, 3], controllerEpoch: 1 });
    const seen: number[][] = [];
    const updated = await updatePartitionStates(
      [{ topic: 'raced', partition: 0 }],
      async (_ref, current) => {
        seen.push(current.isr);
        if (seen.length === 1) {
          // The leader shrinks its ISR just after the controller read it.
          const shrunk = { leader: 1, leaderEpoch: 0, isr: [1, 2], controllerEpoch: 1 };
          await zk.set(partitionStatePath('raced', 0), partitionStateZnode.encode(shrunk), current.zkVersion);
        }
        // Broker 2 is gone: it leaves whatever ISR there is.
        return { ...current, isr: current.isr.filter((r) => r !== 2), leaderEpoch: current.leaderEpoch + 1 };
      },
      options(),
    );
    expect(seen).toEqual([
      [1, 2, 3],
      [1, 2],
    ]);
    const expected = { leader: 1, leaderEpoch: 1, isr: [1], controllerEpoch: 1, zkVersion: 2 };
    expect(updated).toEqual([{ topic: 'raced', partition: 0, state: expected, written: true }]);
    expect(await partitionState(zk, 'raced', 0)).toEqual(expected);
  });

  it('leaves alone what needs no change, partitions without a state, and states of a newer controller', async () => {
    await makeState('same', { leader: 1, leaderEpoch: 0, isr: [1], controllerEpoch: 1 });
    await makeState('newer', { leader: 1, leaderEpoch: 0, isr: [1], controllerEpoch: 3 });
    const log: string[] = [];
    const updated = await updatePartitionStates(
      [
        { topic: 'same', partition: 0 },
        { topic: 'missing', partition: 0 },
        { topic: 'newer', partition: 0 },
      ],
      (ref, current) => (ref.topic === 'same' ? null : { ...current, leader: -1 }),
      options(log),
    );
    expect(updated).toEqual([
      {
        topic: 'same',
        partition: 0,
        state: { leader: 1, leaderEpoch: 0, isr: [1], controllerEpoch: 1, zkVersion: 0 },
        written: false,
      },
    ]);
    expect(await partitionState(zk, 'newer', 0)).toMatchObject({ leader: 1, zkVersion: 0 });
    expect(log.join('\n')).toMatch(/newer-0 was written by controller epoch 3/);
  });
});
