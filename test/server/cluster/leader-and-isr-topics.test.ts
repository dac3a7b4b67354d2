// What a broker reads from ZooKeeper to take the partitions a LeaderAndIsr gives it: every topic at
// once, but bounded; a malformed config node no longer holds up the roles of a whole request.
import { describe, expect, it } from 'vitest';
import { readTopicsToHost } from '../../../server/cluster/leader-and-isr-topics.js';
import type { ZkClient } from '../../../server/cluster/zookeeper/zk-client.js';
import { topicConfigPath, topicPath, topicZnode } from '../../../server/cluster/zookeeper/znodes.js';

const TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAA';

/** A ZooKeeper of topics with two partitions each; `configs` by topic, as stored (raw JSON). */
function zookeeper(topics: string[], configs: Record<string, string> = {}) {
  let inFlight = 0;
  const seen = { maxInFlight: 0, reads: 0 };
  const zk = {
    async get(path: string) {
      seen.reads++;
      seen.maxInFlight = Math.max(seen.maxInFlight, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 1));
      inFlight--;
      const topic = topics.find((t) => path === topicPath(t));
      if (topic) {
        const partitions = new Map([
          [0, [1, 2]],
          [1, [2, 1]],
        ]);
        const data = topicZnode.encode({
          topicId: TOPIC_ID,
          partitions,
          addingReplicas: new Map(),
          removingReplicas: new Map(),
        } as Parameters<typeof topicZnode.encode>[0]);
        return { data, version: 0 };
      }
      const configured = Object.keys(configs).find((t) => path === topicConfigPath(t));
      return configured ? { data: Buffer.from(configs[configured]!), version: 0 } : null;
    },
  };
  return { zk: zk as unknown as ZkClient, seen };
}

describe('readTopicsToHost', () => {
  it("reads each topic's id, partition count and configs; a topic ZooKeeper lacks is null", async () => {
    const { zk } = zookeeper(['a'], { a: '{"version":1,"config":{"retention.ms":"1000"}}' });
    const read = await readTopicsToHost(zk, ['a', 'gone'], () => {});
    expect(read.get('a')).toEqual({ id: TOPIC_ID, count: 2, configs: { 'retention.ms': '1000' } });
    expect(read.get('gone')).toBeNull();
  });

  it('a malformed config node is hosted with the defaults and said, not thrown (it held up every partition of the request)', async () => {
    const { zk } = zookeeper(['a', 'b', 'c'], { c: '{"version":1,"config":{"retention.ms":1000}}' });
    const said: string[] = [];
    const read = await readTopicsToHost(zk, ['a', 'b', 'c'], (m) => said.push(m));
    expect([...read.keys()]).toEqual(['a', 'b', 'c']);
    expect(read.get('c')).toEqual({ id: TOPIC_ID, count: 2, configs: {} });
    expect(said.join('\n')).toMatch(/configs of topic c: .*hosted with the defaults/);
  });

  it('reads thousands of topics at most 32 at a time', async () => {
    const topics = Array.from({ length: 2000 }, (_, i) => `t${i}`);
    const { zk, seen } = zookeeper(topics);
    const read = await readTopicsToHost(zk, topics, () => {});
    expect(read.size).toBe(2000);
    expect(seen.reads).toBe(4000);
    // Each topic's two nodes are read together: 32 topics, 64 reads.
    expect(seen.maxInFlight).toBeLessThanOrEqual(64);
    expect(seen.maxInFlight).toBeGreaterThan(2);
  });
});
