/**
 * Producer ids in a cluster, unique across every broker, as Kafka's brokers share them: each
 * broker takes blocks of 1000 ids from `/latest_producer_id_block` (the last block handed out:
 * `{"version":1,"broker":1,"block_start":"1000","block_end":"1999"}`, both ends inclusive), the
 * next block starting one past the recorded end, claimed with a version-checked write so two
 * brokers can never take the same block. A broker uses a block only once its claim is written.
 */
import { ZkError, type ZkClient } from './zk-client.js';
import { PATHS, producerIdBlockZnode } from './znodes.js';

const BLOCK = 1000n;

export class ZkProducerIds {
  private next = 0;
  private end = -1;
  /** The block claim in progress, shared by every allocate() that waits for it. */
  private claiming: Promise<void> | undefined;

  constructor(
    private readonly zk: ZkClient,
    private readonly brokerId: number,
  ) {}

  async allocate(): Promise<number> {
    while (this.next > this.end) {
      this.claiming ??= this.claimBlock().finally(() => (this.claiming = undefined));
      await this.claiming;
    }
    return this.next++;
  }

  private async claimBlock(): Promise<void> {
    for (;;) {
      const node = await this.zk.get(PATHS.producerIdBlock);
      const start = node && node.data.length > 0 ? producerIdBlockZnode.decode(node.data).blockEnd + 1n : 0n;
      const block = producerIdBlockZnode.encode({
        broker: this.brokerId,
        blockStart: start,
        blockEnd: start + BLOCK - 1n,
      });
      try {
        if (node) await this.zk.set(PATHS.producerIdBlock, block, node.version);
        else await this.zk.create(PATHS.producerIdBlock, block);
      } catch (err) {
        // Another broker claimed a block between our read and our write: read again.
        if (err instanceof ZkError && (err.code === 'BAD_VERSION' || err.code === 'NODE_EXISTS')) continue;
        throw err;
      }
      this.next = Number(start);
      this.end = Number(start + BLOCK - 1n);
      return;
    }
  }
}
