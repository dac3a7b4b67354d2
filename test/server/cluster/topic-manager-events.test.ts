// TopicManager says each topic it creates, and why when nobody asked with CreateTopics.
import { afterEach, describe, expect, it } from 'vitest';
import { LogManager, type LogFields } from '../../../engine/index.js';
import { TopicManager } from '../../../server/cluster/topic-manager.js';
import { TopicStore } from '../../../server/cluster/topic-store.js';
import { ErrorCode } from '../../../server/protocol/error-codes.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';

describe('TopicManager log lines', () => {
  let dir = '';
  let logs: LogManager | undefined;
  afterEach(() => {
    logs?.close();
    logs = undefined;
    if (dir) removeTempDir(dir);
  });

  const open = (said: { message: string; fields?: LogFields }[]): TopicManager => {
    dir = makeTempDir('kiln-topic-events-');
    logs = LogManager.open({ dirs: [dir], retentionCheckIntervalMs: 0, checkpointIntervalMs: 0 });
    return new TopicManager(TopicStore.open(dir), logs, {
      numPartitions: 3,
      defaultReplicationFactor: 1,
      brokerCount: 1,
      events: { info: (message, fields) => said.push({ message, ...(fields ? { fields } : {}) }) },
    });
  };

  it('auto-creation is logged with its reason and the partitions it got', () => {
    const said: { message: string; fields?: LogFields }[] = [];
    const topics = open(said);
    expect(topics.autoCreate('clicks', 'a Metadata request named it').errorCode).toBe(ErrorCode.NONE);
    expect(said).toEqual([
      {
        message: 'topic clicks auto-created (a Metadata request named it) with 3 partition(s)',
        fields: {
          topic: 'clicks',
          partitions: 3,
          replicationFactor: 1,
          autoCreated: true,
          reason: 'a Metadata request named it',
        },
      },
    ]);
  });

  it('a created topic is logged; a refused or validate-only one is not', () => {
    const said: { message: string; fields?: LogFields }[] = [];
    const topics = open(said);
    expect(topics.create('orders', 2, 1, {}).errorCode).toBe(ErrorCode.NONE);
    expect(topics.create('orders', 2, 1, {}).errorCode).toBe(ErrorCode.TOPIC_ALREADY_EXISTS);
    expect(topics.create('dry', 2, 1, {}, true).errorCode).toBe(ErrorCode.NONE);
    expect(said.map((s) => s.message)).toEqual(['topic orders created with 2 partition(s)']);
  });
});
