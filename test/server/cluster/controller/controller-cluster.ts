// Light brokers for controller tests: each is a real cluster member (its ZooKeeper session,
// registration, controller election and Controller, as a Kiln broker has them) behind a real
// listener that serves the controller's requests with the real inter-broker handlers
// (UpdateMetadata into a real MetadataCache, ControlledShutdown, Metadata answered from that
// cache), but whose replica manager only records the LeaderAndIsr and StopReplica it is sent: the
// controller's decisions are tested without logs or replication.
import type { BrokerContext } from '../../../../server/broker-context.js';
import { Connection } from '../../../../server/client/connection.js';
import type { ReplicaManager } from '../../../../server/cluster/replica-manager.js';
import { ClusterMembership } from '../../../../server/cluster/zookeeper/cluster-membership.js';
import { apiVersionsHandler } from '../../../../server/handlers/api-versions.js';
import { controlledShutdownHandler } from '../../../../server/handlers/inter-broker/controlled-shutdown.js';
import { leaderAndIsrHandler } from '../../../../server/handlers/inter-broker/leader-and-isr.js';
import { stopReplicaHandler } from '../../../../server/handlers/inter-broker/stop-replica.js';
import { updateMetadataHandler } from '../../../../server/handlers/inter-broker/update-metadata.js';
import { metadataHandler } from '../../../../server/handlers/metadata.js';
import { HandlerRegistry } from '../../../../server/handlers/registry.js';
import { Listener } from '../../../../server/network/listener.js';
import type { LeaderAndIsrApi } from '../../../../server/protocol/apis/leader-and-isr.js';
import { MetadataApi } from '../../../../server/protocol/apis/metadata.js';
import type { RequestOf, ResponseReceived } from '../../../../server/protocol/message-types.js';

export interface StopReplicaCall {
  partitions: { topic: string; partition: number }[];
  deletePartitions: boolean;
}

/** A partition as one LeaderAndIsr named it. */
export interface LeaderAndIsrEntry {
  topic: string;
  partition: number;
  leader: number;
  leaderEpoch: number;
  isr: number[];
  zkVersion: number;
}

export interface TestBroker {
  id: number;
  port: number;
  membership: ClusterMembership;
  /** Every partition state LeaderAndIsr brought, in arrival order. */
  leaderAndIsr: LeaderAndIsrEntry[];
  stopReplica: StopReplicaCall[];
  /** This broker's Metadata answer (all topics), over TCP. */
  metadata(): Promise<ResponseReceived<typeof MetadataApi>>;
  /** Leaves the cluster (its registration goes at once) and closes its listener. */
  stop(): Promise<void>;
}

export async function startTestBroker(connect: string, id: number): Promise<TestBroker> {
  const log = process.env.KILN_TEST_LOG ? (m: string) => console.log(`[${id}] ${m}`) : () => {};
  const membership = await ClusterMembership.join(
    { connect, sessionTimeoutMs: 10_000, connectionTimeoutMs: 10_000, brokerId: id, log },
    undefined,
  );
  const leaderAndIsr: LeaderAndIsrEntry[] = [];
  const stopReplica: StopReplicaCall[] = [];
  const replicas = {
    async becomeLeaderOrFollower(request: RequestOf<typeof LeaderAndIsrApi>) {
      for (const t of request.topicStates) {
        for (const p of t.partitionStates) {
          const { leader, leaderEpoch, isr, zkVersion } = p;
          leaderAndIsr.push({
            topic: t.topicName,
            partition: p.partitionIndex,
            leader,
            leaderEpoch,
            isr,
            zkVersion,
          });
        }
      }
      return [];
    },
    stopReplicas(partitions: { topic: string; partition: number }[], deletePartitions: boolean) {
      stopReplica.push({ partitions, deletePartitions });
      return [];
    },
  } as unknown as ReplicaManager;
  const brokerEpoch = (): number => membership.brokerEpoch;
  const context = {
    clusterId: membership.clusterId,
    nodeId: id,
    advertised: { name: 'PLAINTEXT', host: '127.0.0.1', port: 0 },
    metadata: membership.metadata,
    topics: { store: { get: () => undefined, getById: () => undefined } },
    config: { autoCreateTopics: false },
  } as unknown as BrokerContext;
  const registry = new HandlerRegistry()
    .register(updateMetadataHandler(membership.metadata, brokerEpoch))
    .register(leaderAndIsrHandler(replicas, membership.metadata, brokerEpoch))
    .register(stopReplicaHandler(replicas, membership.metadata, brokerEpoch))
    .register(controlledShutdownHandler(() => membership.controllerWork))
    .register(metadataHandler(context));
  registry.register(apiVersionsHandler(registry));
  const listener = new Listener((frame, connection) => registry.handle(frame, connection), {
    maxFrameBytes: 1 << 20,
    log,
  });
  const port = await listener.listen('127.0.0.1', 0);
  context.advertised.port = port;
  await membership.register(() => ({
    id,
    endpoints: [{ listener: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: '127.0.0.1', port }],
    rack: null,
    timestamp: Date.now(),
  }));
  return {
    id,
    port,
    membership,
    leaderAndIsr,
    stopReplica,
    async metadata() {
      const c = await Connection.open('127.0.0.1', port, 'controller-test');
      try {
        return await c.request(MetadataApi, {
          topics: null,
          allowAutoTopicCreation: false,
          includeClusterAuthorizedOperations: false,
          includeTopicAuthorizedOperations: false,
        });
      } finally {
        c.close();
      }
    },
    async stop() {
      await membership.leave();
      await listener.close(1000);
    },
  };
}
