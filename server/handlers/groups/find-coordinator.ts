/**
 * FindCoordinator: on a single node this broker coordinates every group; in a cluster a group's
 * coordinator is the leader of its __consumer_offsets partition (made in ZooKeeper, with
 * offsets.topic.replication.factor replicas, when the first group asks). Up to v3 one key, from
 * v4 one entry per key in coordinatorKeys.
 *
 * The first group key makes __consumer_offsets, as in Kafka; when it cannot be made (a full disk,
 * kiln.max.partitions) the answer is COORDINATOR_NOT_AVAILABLE, which clients retry.
 *
 * Transactional ids (key type 1) are answered with this broker too: on a single node it is the
 * transaction coordinator as much as anyone is, and a client that then sends a transactional API
 * Kiln does not serve fails at that request, which says more than an endless
 * COORDINATOR_NOT_AVAILABLE retry loop would. Any other key type is INVALID_REQUEST.
 */
import type { BrokerContext } from '../../broker-context.js';
import type { GroupCoordinator } from '../../group/group-coordinator.js';
import { OFFSETS_TOPIC } from '../../group/offset-store.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { FindCoordinatorApi } from '../../protocol/apis/find-coordinator.js';
import { reply, type Handler } from '../registry.js';

const GROUP_KEY = 0;
const TRANSACTION_KEY = 1;

interface Answer {
  errorCode: number;
  errorMessage: string | null;
  nodeId: number;
  host: string;
  port: number;
}

export function findCoordinatorHandler(
  broker: BrokerContext,
  coordinator: GroupCoordinator,
): Handler<typeof FindCoordinatorApi> {
  const answer = (keyType: number, key: string): Answer => {
    const failed = (errorCode: number, errorMessage: string): Answer => ({
      errorCode,
      errorMessage,
      nodeId: -1,
      host: '',
      port: -1,
    });
    if (keyType !== GROUP_KEY && keyType !== TRANSACTION_KEY)
      return failed(ErrorCode.INVALID_REQUEST, `unknown coordinator key type ${keyType}`);
    if (coordinator.isLoading)
      return failed(ErrorCode.COORDINATOR_NOT_AVAILABLE, 'the coordinator is not available');
    if (keyType === GROUP_KEY && !coordinator.store.ensureTopic())
      return failed(ErrorCode.COORDINATOR_NOT_AVAILABLE, '__consumer_offsets cannot be created');
    const cluster = broker.metadata;
    if (cluster && keyType === GROUP_KEY) {
      // In a cluster a group's coordinator is the leader of its __consumer_offsets partition.
      const partition = cluster.partition(OFFSETS_TOPIC, coordinator.partitionFor(key));
      const leader = partition ? cluster.liveBrokers().get(partition.leader) : undefined;
      if (!leader) return failed(ErrorCode.COORDINATOR_NOT_AVAILABLE, 'the coordinator is not available');
      return {
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        nodeId: leader.id,
        host: leader.host,
        port: leader.port,
      };
    }
    return {
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      nodeId: broker.nodeId,
      host: broker.advertised.host,
      port: broker.advertised.port,
    };
  };
  return {
    api: FindCoordinatorApi,
    handle(request, version) {
      const { keyType } = request;
      if (version >= 4) {
        const coordinators = request.coordinatorKeys.map((key) => ({
          key,
          ...answer(keyType, key),
        }));
        return reply(FindCoordinatorApi, { throttleTimeMs: 0, coordinators });
      }
      return reply(FindCoordinatorApi, { throttleTimeMs: 0, ...answer(keyType, request.key) });
    },
  };
}
