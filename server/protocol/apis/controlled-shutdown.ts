/**
 * ControlledShutdown (key 7): a broker about to stop asks the controller to move leadership of
 * its partitions to other replicas first; the answer lists the partitions it still leads. The
 * broker epoch from v2; flexible from v3. Note that a v0 request comes with a request header that
 * has no client id (header v0), unlike every other request.
 */
import { arrayOf, defineApi, field, struct } from '../schema.js';

export const ControlledShutdownApi = defineApi({
  key: 7,
  name: 'ControlledShutdown',
  versions: '0-3',
  flexible: '3+',
  request: [field('brokerId', 'int32', '0+'), field('brokerEpoch', 'int64', '2+', { default: -1 })],
  response: [
    field('errorCode', 'int16', '0+'),
    field(
      'remainingPartitions',
      arrayOf(struct([field('topicName', 'string', '0+'), field('partitionIndex', 'int32', '0+')])),
      '0+',
    ),
  ],
});
