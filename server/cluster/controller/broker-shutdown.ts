/**
 * The controller's answer to a broker that asks to shut down (ControlledShutdown): the
 * replicated partitions it leads move to another live ISR member, it leaves the ISR of those it
 * follows (and stops fetching them: StopReplica without deletion), and it takes no new
 * leadership from then on. The answer lists the partitions it still leads (no other ISR member
 * could take them); STALE_BROKER_EPOCH for an epoch older than the broker's registration,
 * BROKER_NOT_AVAILABLE for a broker not registered.
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import type { LiveBroker } from '../zookeeper/broker-registration.js';
import type { ControllerChannels } from './controller-channels.js';
import type { ControllerView, PartitionFilter } from './controller-requests.js';
import type { Liveness } from './partition-leader-election.js';
import type { PartitionRef } from './partition-state-updates.js';
import type { PartitionStates, Term } from './partition-states.js';

/** The answer to a broker's ControlledShutdown. */
export interface ControlledShutdownResult {
  errorCode: number;
  /** Replicated partitions it still leads: no other ISR member could take them over. */
  remaining: PartitionRef[];
}

/** Kafka's BROKER_NOT_AVAILABLE: a ControlledShutdown from a broker that is not registered. */
const BROKER_NOT_AVAILABLE = 8;

export interface ShutdownContext {
  brokers: ReadonlyMap<number, LiveBroker>;
  /** Registered brokers that asked to shut down: the broker is added. */
  shuttingDown: Set<number>;
  partitions: PartitionStates;
  channels: ControllerChannels;
  view: () => ControllerView;
  liveness: () => Liveness;
  sendLeaderAndIsr: (brokers: Iterable<number>, which: PartitionFilter) => void;
  sendMetadataToAll: () => void;
  log: (message: string) => void;
}

export async function shutDownBroker(
  ctx: ShutdownContext,
  id: number,
  brokerEpoch: number,
  term: Term,
): Promise<ControlledShutdownResult> {
  const broker = ctx.brokers.get(id);
  if (!broker) return { errorCode: BROKER_NOT_AVAILABLE, remaining: [] };
  // Kafka's rule: an epoch older than the registration is from an earlier life (-1: not sent, v0-1).
  if (brokerEpoch !== -1 && brokerEpoch < broker.epoch) {
    return { errorCode: ErrorCode.STALE_BROKER_EPOCH, remaining: [] };
  }
  ctx.shuttingDown.add(id);
  const { led, followed } = ctx.partitions.replicatedOn(id);
  const moved = await ctx.partitions.moveLeadershipOff(id, led, ctx.liveness(), term);
  if (followed.length > 0) {
    // It stops fetching first (as Kafka has it), so no leader takes it back into the ISR.
    ctx.channels.stopReplicas(ctx.view(), id, followed, false).then(
      (answer) => {
        if (answer.errorCode !== 0) ctx.log(`broker ${id} refused StopReplica (${answer.errorCode})`);
      },
      () => {},
    );
  }
  const shrunk = await ctx.partitions.removeFollower(id, followed, term);
  const all = [...ctx.brokers.keys()];
  ctx.sendLeaderAndIsr(all, moved);
  ctx.sendLeaderAndIsr(
    all.filter((b) => b !== id),
    shrunk,
  );
  ctx.sendMetadataToAll();
  const remaining = ctx.partitions.where((p) => p.replicas.length > 1 && p.leader === id);
  ctx.log(
    `controller: broker ${id} is shutting down: ${moved.size} leadership(s) moved, ` +
      `${remaining.length} it still leads`,
  );
  return { errorCode: ErrorCode.NONE, remaining };
}
