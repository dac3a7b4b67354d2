import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Admin as PlatformaticAdmin } from '@platformatic/kafka';
import { Kafka, logLevel, ConfigResourceTypes } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { DYNAMIC_CONFIG_FILE } from '../../../server/config/dynamic-broker-configs.js';
import { startBroker, type RunningBroker } from '../../helpers/broker-fixture.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';

/** Dynamic broker configs from real clients, applied live and kept across a restart. */
const run = promisify(execFile);
const script = fileURLToPath(new URL('./python/confluent_broker_configs.py', import.meta.url));

describe('dynamic broker configs from real clients', () => {
  const dirs: string[] = [];
  let kiln: RunningBroker | undefined;
  afterEach(async () => {
    await kiln?.stop();
    kiln = undefined;
    dirs.splice(0).forEach(removeTempDir);
  });
  const start = async (dir: string) => {
    kiln = await startBroker({ 'log.dirs': dir });
    return kiln;
  };

  it('confluent-kafka-python alter_configs on a broker resource succeeds and takes effect', async () => {
    const dir = makeTempDir('kiln-dyn-');
    dirs.push(dir);
    const broker = await start(dir);
    const { stdout } = await run('/usr/bin/python3', [script, broker.bootstrap, '0'], { timeout: 60_000 });
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(result).toMatchObject({
      alter: 'ok',
      'log.retention.ms': ['3600000', 2, false], // DYNAMIC_BROKER_CONFIG, changeable
      'num.partitions.read_only': true,
      validate_only: 'ok',
      after_validate_only: '3600000',
    });
    expect((result.read_only as string[])[0]).toBe('INVALID_REQUEST');
    expect((result.read_only as string[])[1]).toMatch(
      /Cannot update these configs dynamically: num\.partitions/,
    );
    expect(broker.broker.logManager!.defaults.retentionMs).toBe(3_600_000);
  });

  it('kafkajs alterConfigs on type BROKER changes the default live; it survives a restart', async () => {
    const dir = makeTempDir('kiln-dyn-');
    dirs.push(dir);
    let broker = await start(dir);
    const kafka = new Kafka({
      clientId: 'kiln-test',
      brokers: [broker.bootstrap],
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'dyn', numPartitions: 1 }] });
    await admin.alterConfigs({
      validateOnly: false,
      resources: [
        {
          type: ConfigResourceTypes.BROKER,
          name: '0',
          configEntries: [{ name: 'log.segment.bytes', value: '1048576' }],
        },
      ],
    });
    expect(broker.broker.logManager!.getLog('dyn', 0)!.config.segmentBytes).toBe(1_048_576);
    const refused = await admin
      .alterConfigs({
        validateOnly: false,
        resources: [
          { type: ConfigResourceTypes.BROKER, name: '0', configEntries: [{ name: 'log.dirs', value: '/x' }] },
        ],
      })
      .catch((err: Error) => err);
    // kafkajs shows its own text for the code, not the broker's message.
    expect((refused as Error & { type?: string }).type).toBe('INVALID_REQUEST');
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: 'dyn', configNames: ['segment.bytes'] }],
    });
    expect(described.resources[0]!.configEntries[0]).toMatchObject({
      configValue: '1048576',
      configSource: 2,
    });
    await admin.disconnect();
    await broker.stop();
    kiln = undefined;
    broker = await start(dir);
    expect(broker.broker.logManager!.getLog('dyn', 0)!.config.segmentBytes).toBe(1_048_576);
  });

  it('@platformatic/kafka incrementalAlterConfigs on the cluster-wide default ("")', async () => {
    const dir = makeTempDir('kiln-dyn-');
    dirs.push(dir);
    const broker = await start(dir);
    const admin = new PlatformaticAdmin({ clientId: 'kiln-test', bootstrapBrokers: [broker.bootstrap] });
    try {
      await admin.createTopics({ topics: ['inc'], partitions: 1, replicas: 1 });
      await admin.incrementalAlterConfigs({
        resources: [
          {
            resourceType: 4,
            resourceName: '',
            configs: [{ name: 'log.cleanup.policy', configOperation: 2, value: 'compact' }],
          },
        ],
      });
      expect(broker.broker.logManager!.configFor('inc').cleanupPolicy).toBe('compact,delete');
    } finally {
      await admin.close();
    }
  });

  it('a damaged dynamic config file does not stop a start', async () => {
    const dir = makeTempDir('kiln-dyn-');
    dirs.push(dir);
    fs.writeFileSync(path.join(dir, DYNAMIC_CONFIG_FILE), '{"version":1,"broker":{"log.retention.ms":');
    const broker = await start(dir);
    expect(broker.broker.logManager!.defaults.retentionMs).toBe(604_800_000);
  });
});
