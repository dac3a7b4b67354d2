/**
 * Type-level checks of the tools' client: Connection.request takes an API's schema and checks the
 * request against it at every depth, and its answer is that API's decoded response. Each
 * `@ts-expect-error` line must fail to compile (`npm run typecheck` runs over the tests).
 */
import { describe, expect, it } from 'vitest';
import type { Connection } from '../../../server/client/connection.js';
import { ListOffsetsApi } from '../../../server/protocol/apis/list-offsets.js';
import { MetadataApi } from '../../../server/protocol/apis/metadata.js';

/** Never called: what matters is what compiles. */
async function uses(conn: Connection): Promise<number> {
  const meta = await conn.request(MetadataApi, { topics: null, allowAutoTopicCreation: false });
  // @ts-expect-error a misspelt request field
  await conn.request(MetadataApi, { topics: null, allowAutoTopicCreaton: false });
  const partitions = [0, 1].map((partitionIndex) => ({ partitionIndex, timestamp: -1, maxNumOfsets: 1 }));
  // @ts-expect-error a misspelt optional field deep inside, built apart from the request
  await conn.request(ListOffsetsApi, { replicaId: -1, topics: [{ name: 't', partitions }] });
  // @ts-expect-error a field the response does not have
  void meta.brokerz;
  return meta.brokers[0]!.nodeId + meta.controllerId;
}

describe('Connection.request types', () => {
  it('compiles only requests and reads the schema allows (checked by tsc)', () => {
    expect(typeof uses).toBe('function');
  });
});
