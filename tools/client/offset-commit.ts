/** OffsetCommit for the tools: a standalone consumer's, or a group member's. */
import type { Connection } from '../../server/client/connection.js';
import { checkError } from '../../server/client/errors.js';
import { OffsetCommitApi } from '../../server/protocol/apis/offset-commit.js';

/**
 * OffsetCommit of `offsets` (partition -> next offset to read) for one topic, on the group's
 * coordinator connection, as the member `memberId` of generation `generationId` (-1 and '' for a
 * standalone consumer); a partition's error code becomes a KafkaError.
 */
export async function commitOffsetsOn(
  coordinator: Connection,
  group: string,
  topic: string,
  offsets: ReadonlyMap<number, number>,
  generationId: number,
  memberId: string,
): Promise<void> {
  const response = await coordinator.request(OffsetCommitApi, {
    groupId: group,
    generationIdOrMemberEpoch: generationId,
    memberId,
    groupInstanceId: null,
    retentionTimeMs: -1,
    topics: [
      {
        name: topic,
        partitions: [...offsets].map(([partitionIndex, committedOffset]) => ({
          partitionIndex,
          committedOffset,
          committedLeaderEpoch: -1,
          commitTimestamp: -1,
          committedMetadata: '',
        })),
      },
    ],
  });
  for (const t of response.topics) {
    for (const p of t.partitions) {
      checkError(p.errorCode, `OffsetCommit ${topic}-${p.partitionIndex} for group ${group}`);
    }
  }
}
