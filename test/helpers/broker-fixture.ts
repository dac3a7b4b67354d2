// Starts a real Kiln broker in this process for a test: 127.0.0.1, a free port, a temp data dir.
import { pino } from 'pino';
import { Broker } from '../../server/broker.js';
import { buildBrokerConfig } from '../../server/config.js';
import { makeTempDir, removeTempDir } from './temp-dir.js';

export interface RunningBroker {
  broker: Broker;
  bootstrap: string;
  dataDir: string;
  stop(): Promise<void>;
}

export async function startBroker(properties: Record<string, string> = {}): Promise<RunningBroker> {
  const dataDir = properties['log.dirs'] ?? makeTempDir('kiln-broker-');
  const config = buildBrokerConfig({
    listeners: 'PLAINTEXT://127.0.0.1:0',
    'log.dirs': dataDir,
    'group.initial.rebalance.delay.ms': '0',
    // Tests that look at the admin listener turn it on, on a free port of their own.
    'kiln.admin.listener': 'none',
    ...properties,
  });
  const broker = new Broker(config, pino({ level: process.env.KILN_TEST_LOG ?? 'silent' }));
  await broker.start();
  return {
    broker,
    bootstrap: `127.0.0.1:${broker.port}`,
    dataDir,
    async stop() {
      await broker.stop();
      if (!properties['log.dirs']) removeTempDir(dataDir);
    },
  };
}
