import { describe, expect, it } from 'vitest';
import { LEADER_DURING_DELETE, MetadataCache } from '../../../server/cluster/metadata-cache.js';
import type { UpdateMetadataApi } from '../../../server/protocol/apis/update-metadata.js';
import type { RequestOf } from '../../../server/protocol/message-types.js';

const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';
const FIRST_ID = 'AAECAwQFBgcICQoLDA0ODw';
const SECOND_ID = 'EBESExQVFhcYGRobHB0eHw';

/** UpdateMetadata v7 from controller 1 describing partition 0 of each topic (led by broker 1). */
function update(
  topics: { name: string; id: string; leader?: number }[],
): RequestOf<typeof UpdateMetadataApi> {
  return {
    controllerId: 1,
    controllerEpoch: 1,
    brokerEpoch: -1,
    ungroupedPartitionStates: [],
    topicStates: topics.map((t) => ({
      topicName: t.name,
      topicId: t.id,
      partitionStates: [
        {
          topicName: '',
          partitionIndex: 0,
          controllerEpoch: 1,
          leader: t.leader ?? 1,
          leaderEpoch: 0,
          isr: [1],
          zkVersion: 0,
          replicas: [1],
          offlineReplicas: [],
        },
      ],
    })),
    liveBrokers: [],
  };
}

describe("the metadata cache's topic ids (UpdateMetadata v7+)", () => {
  it("knows every described topic's id and name, replica here or not", () => {
    const cache = new MetadataCache();
    cache.update(update([{ name: 'orders', id: FIRST_ID }]));
    expect(cache.topicId('orders')).toBe(FIRST_ID);
    expect(cache.topicName(FIRST_ID)).toBe('orders');
    expect(cache.topicId('other')).toBeUndefined();
    expect(cache.topicName(SECOND_ID)).toBeUndefined();
  });

  it('keeps a known id when a later update names none (a controller before v7)', () => {
    const cache = new MetadataCache();
    cache.update(update([{ name: 'orders', id: FIRST_ID }]));
    cache.update(update([{ name: 'orders', id: ZERO_UUID }]));
    expect(cache.topicId('orders')).toBe(FIRST_ID);
  });

  it('forgets a deleted topic, and a topic made again under the same name has only its new id', () => {
    const cache = new MetadataCache();
    cache.update(update([{ name: 'orders', id: FIRST_ID }]));
    cache.update(update([{ name: 'orders', id: ZERO_UUID, leader: LEADER_DURING_DELETE }]));
    expect(cache.topicId('orders')).toBeUndefined();
    expect(cache.topicName(FIRST_ID)).toBeUndefined();
    cache.update(update([{ name: 'orders', id: SECOND_ID }]));
    expect(cache.topicId('orders')).toBe(SECOND_ID);
    expect(cache.topicName(SECOND_ID)).toBe('orders');
    expect(cache.topicName(FIRST_ID)).toBeUndefined();
  });
});
