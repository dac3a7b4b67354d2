/**
 * `kiln cluster` (also `npm run cluster`): ZooKeeper and three brokers on loopback ports, for
 * trying cluster mode; Ctrl-C stops everything cleanly. See tools/cluster/local-cluster.ts.
 */
import { parseArgs } from 'node:util';
import { startLocalCluster } from '../cluster/local-cluster.js';
import { UsageError, type Command } from '../kiln.js';

// (Not --dir: node-pre-gyp, which loads the mmap addon, reads --dir from the process's arguments.)
const USAGE = `usage: kiln cluster [--data-dir DIR] [--brokers N] [--port P] [--zookeeper-port P] [--admin-port P]

Starts Debian's ZooKeeper (the zookeeper package) and N Kiln brokers (default 3) in cluster mode on
127.0.0.1, broker i on port P+i-1 (default 9092, 9093, 9094), its admin listener (metrics, health)
on --admin-port P+i-1 (default 9644, 9645, 9646) and ZooKeeper on its port (default
2181), with every broker's data under DIR (default ./cluster-data: broker-<id>/ and zookeeper/).
The brokers' log lines are printed with their id in front. Ctrl-C (or SIGTERM) stops the brokers
cleanly, then ZooKeeper (SIGHUP too); the data stays for the next run.`;

function int(name: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, not '${text}'`);
  }
  return value;
}

export const command: Command = {
  name: 'cluster',
  summary: 'run ZooKeeper and three brokers on this machine (cluster mode)',
  usage: USAGE,
  async run(argv) {
    let values;
    try {
      ({ values } = parseArgs({
        args: argv,
        options: {
          'data-dir': { type: 'string' },
          brokers: { type: 'string' },
          port: { type: 'string' },
          'zookeeper-port': { type: 'string' },
          'admin-port': { type: 'string' },
        },
        strict: true,
      }));
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const brokers = int('brokers', values.brokers, 3, 1, 9);
    const port = int('port', values.port, 9092, 1, 65535 - brokers + 1);
    const zookeeperPort = int('zookeeper-port', values['zookeeper-port'], 2181, 1, 65535);
    const adminPort = int('admin-port', values['admin-port'], 9644, 1, 65535 - brokers + 1);
    let stopping: (() => void) | undefined;
    const stopRequested = new Promise<void>((resolve) => (stopping = resolve));
    const onSignal = (): void => stopping?.();
    // SIGHUP too: a closed terminal must stop the cluster as Ctrl-C does.
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);
    try {
      let cluster;
      try {
        cluster = await startLocalCluster({
          dir: values['data-dir'] ?? 'cluster-data',
          brokers,
          port,
          zookeeperPort,
          adminPort,
        });
      } catch (err) {
        process.stderr.write(`kiln cluster: ${(err as Error).message}\n`);
        return 1;
      }
      process.stdout.write(
        `[cluster] ready: bootstrap ${cluster.bootstrap}, ZooKeeper ${cluster.zookeeper}; ` +
          `try \`kcat -b ${cluster.bootstrap} -L\`; Ctrl-C stops it\n`,
      );
      await stopRequested;
      process.stdout.write('[cluster] stopping the brokers, then ZooKeeper\n');
      await cluster.stop();
      process.stdout.write('[cluster] stopped\n');
      return 0;
    } finally {
      for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(signal, onSignal);
    }
  },
};
