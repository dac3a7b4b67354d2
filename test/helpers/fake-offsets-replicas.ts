// A stand-in for a cluster broker's replica manager, as the group coordinator sees it: whether
// this broker leads __consumer_offsets partitions, whether the ISR is big enough before an append,
// and each wait for replication, held until the test resolves it with a produce error code.
import type { BrokerContext } from '../../server/broker-context.js';
import { ErrorCode } from '../../server/protocol/error-codes.js';

export interface HeldWait {
  partition: number;
  offset: number;
  timeoutMs: number;
  resolve(errorCode: number): void;
}

export class FakeOffsetsReplicas {
  /** Partitions of __consumer_offsets this broker leads; every one when undefined. */
  leading: Set<number> | undefined;
  /** What the check before an append (min.insync.replicas) answers. */
  beforeAppend: number = ErrorCode.NONE;
  readonly waits: HeldWait[] = [];

  leaderError(_topic: string, partition: number): number {
    return !this.leading || this.leading.has(partition) ? ErrorCode.NONE : ErrorCode.NOT_LEADER_OR_FOLLOWER;
  }

  enoughReplicasError(): number {
    return this.beforeAppend;
  }

  waitForReplication(_topic: string, partition: number, offset: number, timeoutMs: number): Promise<number> {
    return new Promise((resolve) => this.waits.push({ partition, offset, timeoutMs, resolve }));
  }

  /** Makes `context` a cluster broker's, as far as the group coordinator looks. */
  install(context: BrokerContext): this {
    (context as { replicas?: unknown }).replicas = this;
    return this;
  }
}
