// The replication throttles' configs through the admin APIs: the topic lists
// (leader/follower.replication.throttled.replicas) and the broker rates
// (leader/follower.replication.throttled.rate, per broker) set, refused with a reason, described;
// a rate set on the broker resource reaches the replica manager's quotas at once.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ReplicationQuotas } from '../../../../server/cluster/replication/replication-quota.js';
import type { ReplicaManager } from '../../../../server/cluster/replica-manager.js';
import { alterConfigsHandler } from '../../../../server/handlers/admin/alter-configs.js';
import { describeConfigsHandler } from '../../../../server/handlers/admin/describe-configs.js';
import { incrementalAlterConfigsHandler } from '../../../../server/handlers/admin/incremental-alter-configs.js';
import type { Message } from '../../../../server/protocol/codec.js';
import { ErrorCode } from '../../../../server/protocol/error-codes.js';
import { createTopic, openAdminContext, type AdminContext } from '../../../helpers/admin-context.js';

const TOPIC = 2;
const BROKER = 4;
const SET = 0;
const APPEND = 2;
const SUBTRACT = 3;

let ctx: AdminContext;
beforeEach(() => {
  ctx = openAdminContext();
});
afterEach(() => ctx.close());

const resource = (resourceType: number, resourceName: string, configs: Record<string, string | null>) => ({
  resourceType,
  resourceName,
  configs: Object.entries(configs).map(([name, value]) => ({ name, value })),
});

async function alter(resources: Message[], validateOnly = false): Promise<Message[]> {
  const answer = await ctx.call(alterConfigsHandler(ctx.broker), 1, { resources, validateOnly });
  return answer.responses as Message[];
}

async function incremental(
  resourceType: number,
  resourceName: string,
  ops: [string, number, string | null][],
): Promise<Message> {
  const answer = await ctx.call(incrementalAlterConfigsHandler(ctx.broker), 1, {
    resources: [
      {
        resourceType,
        resourceName,
        configs: ops.map(([name, configOperation, value]) => ({ name, configOperation, value })),
      },
    ],
    validateOnly: false,
  });
  return (answer.responses as Message[])[0]!;
}

async function describeConfigs(resourceType: number, resourceName: string): Promise<Map<string, Message>> {
  const answer = await ctx.call(describeConfigsHandler(ctx.broker), 1, {
    resources: [{ resourceType, resourceName, configurationKeys: null }],
    includeSynonyms: true,
    includeDocumentation: false,
  });
  const result = (answer.results as Message[])[0]!;
  expect(result.errorCode).toBe(ErrorCode.NONE);
  return new Map((result.configs as Message[]).map((c) => [c.name as string, c]));
}

describe('throttled replica lists on a topic', () => {
  it('are described with their default "" and no synonyms, then as set', async () => {
    createTopic(ctx, 'moving', 2);
    const before = await describeConfigs(TOPIC, 'moving');
    for (const name of ['leader.replication.throttled.replicas', 'follower.replication.throttled.replicas'])
      expect(before.get(name)).toMatchObject({ value: '', configSource: 5, readOnly: false, synonyms: [] });
    const set = await alter([
      resource(TOPIC, 'moving', {
        'leader.replication.throttled.replicas': '0:1,0:2,1:1',
        'follower.replication.throttled.replicas': '*',
      }),
    ]);
    expect(set).toMatchObject([{ errorCode: ErrorCode.NONE }]);
    expect(ctx.broker.logs.getLog('moving', 1)!.config.leaderReplicationThrottledReplicas).toBe(
      '0:1,0:2,1:1',
    );
    const after = await describeConfigs(TOPIC, 'moving');
    expect(after.get('leader.replication.throttled.replicas')).toMatchObject({
      value: '0:1,0:2,1:1',
      configSource: 1,
      synonyms: [{ name: 'leader.replication.throttled.replicas', value: '0:1,0:2,1:1', source: 1 }],
    });
    expect(after.get('follower.replication.throttled.replicas')).toMatchObject({
      value: '*',
      configSource: 1,
    });
  });

  it('refuses anything else with INVALID_CONFIG and a readable reason, changing nothing', async () => {
    createTopic(ctx, 'strict', 1, { 'leader.replication.throttled.replicas': '0:1' });
    for (const bad of ['0-1', '0:1,*', 'broker1', '0:1:2']) {
      const [answer] = await alter([
        resource(TOPIC, 'strict', { 'leader.replication.throttled.replicas': bad }),
      ]);
      expect(answer).toMatchObject({ errorCode: ErrorCode.INVALID_CONFIG });
      expect(answer!.errorMessage).toContain('leader.replication.throttled.replicas');
      expect(answer!.errorMessage).toContain("'*' or a comma-separated list of partition:broker pairs");
      expect(answer!.errorMessage).toContain(`got '${bad}'`);
    }
    const incrementally = await incremental(TOPIC, 'strict', [
      ['follower.replication.throttled.replicas', SET, '1:x'],
    ]);
    expect(incrementally).toMatchObject({ errorCode: ErrorCode.INVALID_CONFIG });
    expect(ctx.broker.topics.store.get('strict')?.configs).toEqual({
      'leader.replication.throttled.replicas': '0:1',
    });
  });

  it('APPEND and SUBTRACT edit a list, as Kafka allows on list configs', async () => {
    createTopic(ctx, 'grow', 1);
    expect(
      await incremental(TOPIC, 'grow', [['leader.replication.throttled.replicas', APPEND, '0:1']]),
    ).toMatchObject({
      errorCode: ErrorCode.NONE,
    });
    await incremental(TOPIC, 'grow', [['leader.replication.throttled.replicas', APPEND, '0:2,0:1']]);
    expect(ctx.broker.logs.getLog('grow', 0)!.config.leaderReplicationThrottledReplicas).toBe('0:1,0:2');
    await incremental(TOPIC, 'grow', [['leader.replication.throttled.replicas', SUBTRACT, '0:1,0:2']]);
    expect(ctx.broker.logs.getLog('grow', 0)!.config.leaderReplicationThrottledReplicas).toBe('');
  });
});

describe('replication throttle rates on a broker', () => {
  it('are set per broker, refused at the cluster default level, and must be whole bytes per second', async () => {
    const [own] = await alter([resource(BROKER, '0', { 'follower.replication.throttled.rate': '512000' })]);
    expect(own).toMatchObject({ errorCode: ErrorCode.NONE });
    const [clusterWide] = await alter([
      resource(BROKER, '', { 'leader.replication.throttled.rate': '1000' }),
    ]);
    expect(clusterWide).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST });
    expect(clusterWide!.errorMessage).toMatch(
      /broker id must be specified.*leader\.replication\.throttled\.rate/,
    );
    for (const bad of ['-1', 'fast', '1.5', '99999999999999999999']) {
      const [answer] = await alter([resource(BROKER, '0', { 'leader.replication.throttled.rate': bad })]);
      expect(answer, bad).toMatchObject({ errorCode: ErrorCode.INVALID_CONFIG });
      expect(answer!.errorMessage).toContain('leader.replication.throttled.rate');
    }
    // The window is read at start only.
    const [window] = await alter([resource(BROKER, '0', { 'replication.quota.window.num': '3' })]);
    expect(window).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST });
    // What was refused changed nothing.
    const described = await describeConfigs(BROKER, '0');
    expect(described.get('follower.replication.throttled.rate')).toMatchObject({
      value: '512000',
      configSource: 2,
    });
  });

  it('are described only once set (as Kafka 2.4 describes them); the window always, read-only', async () => {
    const before = await describeConfigs(BROKER, '0');
    expect(before.has('leader.replication.throttled.rate')).toBe(false);
    expect(before.get('replication.quota.window.num')).toMatchObject({
      value: '11',
      readOnly: true,
      configSource: 5,
    });
    expect(before.get('replication.quota.window.size.seconds')).toMatchObject({ value: '1', readOnly: true });
    await incremental(BROKER, '0', [['leader.replication.throttled.rate', SET, '1048576']]);
    const after = await describeConfigs(BROKER, '0');
    expect(after.get('leader.replication.throttled.rate')).toMatchObject({
      value: '1048576',
      readOnly: false,
      configSource: 2,
    });
  });

  it("take effect at once on the replica manager's quotas, and deleting one lifts it", async () => {
    const quotas = new ReplicationQuotas(0, ctx.broker.config.replication.throttle!, () => undefined);
    ctx.broker.replicas = { quotas } as unknown as ReplicaManager;
    expect(quotas.follower.meter.limited).toBe(false);
    await alter([
      resource(BROKER, '0', {
        'leader.replication.throttled.rate': '1000000',
        'follower.replication.throttled.rate': '500000',
      }),
    ]);
    expect(quotas.leader.meter.bound).toBe(1_000_000);
    expect(quotas.follower.meter.bound).toBe(500_000);
    await incremental(BROKER, '0', [['follower.replication.throttled.rate', 1, null]]);
    expect(quotas.follower.meter.limited).toBe(false);
    expect(quotas.leader.meter.bound).toBe(1_000_000);
  });
});
