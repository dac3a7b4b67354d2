// A real ZooKeeper for a test: Debian's `zookeeper` package (installed by `npm run test:deps`),
// run by tools/cluster/zookeeper-process.ts on 127.0.0.1 and a free port, with its data in a temp
// dir; stopped (and the dir removed) by the test. A short tick (100 ms) lets sessions as short as
// 200 ms be granted, so tests can make a session expire quickly.
import { startZooKeeperProcess } from '../../tools/cluster/zookeeper-process.js';
import { freePort } from '../../tools/cluster/free-port.js';
import { makeTempDir, removeTempDir } from './temp-dir.js';

export interface RunningZooKeeper {
  /** zookeeper.connect for it: 127.0.0.1:<port>. */
  connect: string;
  port: number;
  /** Stops it (SIGKILL: sessions are not closed, as in a crash) and keeps its data. */
  kill(): Promise<void>;
  /** Starts it again on the same port and data after kill(). */
  restart(): Promise<void>;
  /** Stops it and removes its data. */
  stop(): Promise<void>;
}

export { freePort };

export async function startZooKeeper(): Promise<RunningZooKeeper> {
  const dir = makeTempDir('kiln-zk-');
  try {
    const zk = await startZooKeeperProcess({ dir, port: await freePort(), tickMs: 100 });
    // A test worker that ends without stopping it (a timed-out hook) must not leave the JVM behind.
    const onExit = (): void => zk.killNow();
    process.once('exit', onExit);
    return {
      connect: zk.connect,
      port: zk.port,
      kill: () => zk.kill(),
      restart: () => zk.restart(),
      async stop() {
        process.off('exit', onExit);
        await zk.kill();
        removeTempDir(dir);
      },
    };
  } catch (err) {
    removeTempDir(dir);
    throw err;
  }
}
