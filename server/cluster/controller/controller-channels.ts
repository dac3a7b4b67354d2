/**
 * The controller's channels, one per live broker (broker-channel.ts), and the three requests it
 * sends over them: LeaderAndIsr (a broker's own partitions' states), UpdateMetadata (the whole
 * cluster, to every broker) and StopReplica. Each request is stamped with the controller's epoch
 * and the receiving broker's epoch, so a broker refuses one from an older controller or meant for
 * an earlier life of itself. LeaderAndIsr and UpdateMetadata are sent and forgotten (a refusal is
 * logged); StopReplica's answer is returned, since deletions wait for it.
 */
import { LeaderAndIsrApi } from '../../protocol/apis/leader-and-isr.js';
import { StopReplicaApi } from '../../protocol/apis/stop-replica.js';
import { UpdateMetadataApi } from '../../protocol/apis/update-metadata.js';
import type { ResponseReceived } from '../../protocol/message-types.js';
import type { LiveBroker } from '../zookeeper/broker-registration.js';
import { BrokerChannel, ChannelClosedError } from './broker-channel.js';
import {
  leaderAndIsrRequest,
  updateMetadataRequest,
  type ControllerView,
  type PartitionFilter,
} from './controller-requests.js';
import type { PartitionRef } from './partition-state-updates.js';

export interface ControllerChannelsOptions {
  /** The controller's broker id (the requests' client id names it). */
  brokerId: number;
  retryBackoffMs?: number;
  log: (message: string) => void;
}

export class ControllerChannels {
  private readonly channels = new Map<number, BrokerChannel>();

  constructor(private readonly options: ControllerChannelsOptions) {}

  /** The brokers there is a channel to. */
  ids(): number[] {
    return [...this.channels.keys()];
  }

  has(id: number): boolean {
    return this.channels.has(id);
  }

  /** Keeps exactly one channel per live broker: new ones opened, gone ones closed, moved ones redirected. */
  sync(brokers: ReadonlyMap<number, LiveBroker>): void {
    for (const [id, channel] of this.channels) {
      if (!brokers.has(id)) {
        channel.close();
        this.channels.delete(id);
      }
    }
    for (const [id, broker] of brokers) {
      const endpoint = { host: broker.endpoints[0]?.host ?? '', port: broker.endpoints[0]?.port ?? 0 };
      const channel = this.channels.get(id);
      if (channel) channel.moveTo(endpoint);
      else {
        this.channels.set(
          id,
          new BrokerChannel(id, endpoint, {
            clientId: `kiln-controller-${this.options.brokerId}`,
            retryBackoffMs: this.options.retryBackoffMs,
            log: this.options.log,
          }),
        );
      }
    }
  }

  /** Closes every channel: what is queued is dropped. */
  closeAll(): void {
    for (const channel of this.channels.values()) channel.close();
    this.channels.clear();
  }

  /** LeaderAndIsr to each of `brokers` for the partitions (of `which`) it is a replica of. */
  sendLeaderAndIsr(view: ControllerView, brokers: Iterable<number>, which: PartitionFilter): void {
    if (which !== 'all' && which.size === 0) return;
    for (const id of brokers) {
      const channel = this.channels.get(id);
      if (!channel) continue;
      const body = leaderAndIsrRequest(view, id, which);
      if (!body) continue;
      channel.send(LeaderAndIsrApi, body).then(
        (answer) => {
          const failed = answer.partitionErrors.filter((e) => e.errorCode !== 0);
          if (answer.errorCode !== 0 || failed.length > 0) {
            this.options.log(
              `broker ${id} answered LeaderAndIsr with error ${answer.errorCode}` +
                (failed.length > 0
                  ? ` and ${failed.length} partition error(s), first ${failed[0]!.errorCode}`
                  : ''),
            );
          }
        },
        () => {}, // closed channels: the broker left, or this controller stepped down
      );
    }
  }

  /** UpdateMetadata with every live broker and every partition, to every live broker. */
  sendUpdateMetadata(view: ControllerView & { deleted: readonly PartitionRef[] }): void {
    const body = updateMetadataRequest(view);
    for (const channel of this.channels.values()) {
      // Each broker's copy names its own epoch, so a broker restarted meanwhile refuses it.
      const brokerEpoch = view.brokers.get(channel.brokerId)?.epoch ?? -1;
      channel.send(UpdateMetadataApi, { ...body, brokerEpoch }).then(
        (answer) => {
          if (answer.errorCode !== 0) {
            this.options.log(`broker ${channel.brokerId} refused UpdateMetadata (error ${answer.errorCode})`);
          }
        },
        () => {},
      );
    }
  }

  /**
   * StopReplica to broker `id` for `partitions`, deleting their data if `deletePartitions`;
   * resolves with its answer (rejects with ChannelClosedError if there is no channel to it).
   */
  stopReplicas(
    view: ControllerView,
    id: number,
    partitions: readonly PartitionRef[],
    deletePartitions: boolean,
  ): Promise<ResponseReceived<typeof StopReplicaApi>> {
    const channel = this.channels.get(id);
    if (!channel) return Promise.reject(new ChannelClosedError(id));
    const byTopic = new Map<string, number[]>();
    for (const p of partitions) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p.partition]);
    return channel.send(StopReplicaApi, {
      controllerId: view.controllerId,
      controllerEpoch: view.controllerEpoch,
      brokerEpoch: view.brokers.get(id)?.epoch ?? -1,
      deletePartitions,
      ungroupedPartitions: [],
      topics: [...byTopic].map(([name, partitionIndexes]) => ({ name, partitionIndexes })),
    });
  }

  /**
   * StopReplica with deletion of `partitions` to broker `id` (a replica a move removed); failures
   * are logged, never thrown. A broker that is down keeps its copy (as Kafka's do).
   */
  async deleteReplicas(
    view: ControllerView,
    id: number,
    partitions: readonly PartitionRef[],
    log: (message: string) => void,
  ): Promise<void> {
    const names = partitions.map((p) => `${p.topic}-${p.partition}`).join(', ');
    if (!this.channels.has(id)) {
      log(`controller: broker ${id} is down; its copy of ${names} stays until it is deleted by hand`);
      return;
    }
    try {
      const answer = await this.stopReplicas(view, id, partitions, true);
      const failed = answer.partitionErrors.find((e) => e.errorCode !== 0);
      if (answer.errorCode !== 0 || failed)
        log(
          `controller: broker ${id} could not delete its copy of ${names} (error ${answer.errorCode || failed!.errorCode})`,
        );
    } catch (err) {
      log(`controller: broker ${id} could not delete its copy of ${names}: ${(err as Error).message}`);
    }
  }
}
