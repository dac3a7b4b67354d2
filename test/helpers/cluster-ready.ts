// Waits until every broker of a test cluster lists them all in its Metadata: a broker placing
// replicas before it has heard of the others would refuse a replication factor of three.
import { Connection } from '../../server/client/connection.js';
import { MetadataApi } from '../../server/protocol/apis/metadata.js';
import { waitFor } from './wait-for.js';

export async function waitForBrokers(ports: number[], timeoutMs = 30_000): Promise<void> {
  const sees = async (port: number): Promise<number> => {
    const c = await Connection.open('127.0.0.1', port, 'cluster-ready', 2000).catch(() => undefined);
    if (!c) return 0;
    try {
      const answer = await c.request(MetadataApi, {
        topics: [],
        allowAutoTopicCreation: false,
        includeClusterAuthorizedOperations: false,
        includeTopicAuthorizedOperations: false,
      });
      return answer.brokers.length;
    } catch {
      return 0;
    } finally {
      c.close();
    }
  };
  await waitFor(async () => (await Promise.all(ports.map(sees))).every((n) => n === ports.length), {
    timeoutMs,
    intervalMs: 100,
    what: `all ${ports.length} brokers to know each other`,
  });
}
