/**
 * DescribeCluster: the cluster as the admin client sees it: the cluster id, this broker as the only
 * broker and as the controller (in cluster mode: every live broker and the controller, as the
 * controller last told this broker). Behaviours that matter:
 * - v1's endpointType 1 (brokers) and 2 (controllers) both answer with this node, which is both,
 *   and are echoed back; any other type is INVALID_REQUEST;
 * - cluster authorized operations are reported (when asked) as everything a cluster resource
 *   allows, since Kiln has no authorizer; otherwise Kafka's "not requested" value.
 */
import type { BrokerContext } from '../../broker-context.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { DescribeClusterApi } from '../../protocol/apis/describe-cluster.js';
import { reply, type Handler } from '../registry.js';

const EndpointType = { BROKER: 1, CONTROLLER: 2 } as const;

/** Kafka's "authorized operations were not requested" value (Integer.MIN_VALUE). */
const OPERATIONS_NOT_REQUESTED = -2147483648;

/**
 * AclOperation ids a cluster resource supports: CREATE 5, ALTER 7, DESCRIBE 8, CLUSTER_ACTION 9,
 * DESCRIBE_CONFIGS 10, ALTER_CONFIGS 11, IDEMPOTENT_WRITE 12; the answer is a bit per operation.
 */
const CLUSTER_OPERATIONS = [5, 7, 8, 9, 10, 11, 12].reduce((bits, op) => bits | (1 << op), 0);

export function describeClusterHandler(broker: BrokerContext): Handler<typeof DescribeClusterApi> {
  return {
    api: DescribeClusterApi,
    handle(request) {
      const endpointType = request.endpointType;
      const base = {
        throttleTimeMs: 0,
        endpointType,
        clusterId: broker.clusterId,
        clusterAuthorizedOperations: OPERATIONS_NOT_REQUESTED,
      };
      if (endpointType !== EndpointType.BROKER && endpointType !== EndpointType.CONTROLLER) {
        return reply(DescribeClusterApi, {
          ...base,
          errorCode: ErrorCode.INVALID_REQUEST,
          errorMessage: `Unknown endpoint type ${endpointType}`,
          controllerId: -1,
          brokers: [],
        });
      }
      const cluster = broker.metadata;
      const known = cluster && cluster.liveBrokers().size > 0;
      return reply(DescribeClusterApi, {
        ...base,
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        // In a cluster: the live brokers and the controller, as the controller last said.
        controllerId: known ? cluster.controllerId : broker.nodeId,
        brokers: known
          ? [...cluster.liveBrokers().values()].map((b) => ({
              brokerId: b.id,
              host: b.host,
              port: b.port,
              rack: b.rack,
            }))
          : [
              {
                brokerId: broker.nodeId,
                host: broker.advertised.host,
                port: broker.advertised.port,
                rack: null,
              },
            ],
        clusterAuthorizedOperations: request.includeClusterAuthorizedOperations
          ? CLUSTER_OPERATIONS
          : OPERATIONS_NOT_REQUESTED,
      });
    },
  };
}
