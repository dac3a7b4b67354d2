// A real ZooKeeper for a test: Debian's `zookeeper` package (installed by `npm run test:deps`),
// run by tools/cluster/zookeeper-process.ts on 127.0.0.1 and a free port, with its data in a temp
// dir; stopped (and the dir removed) by the test. A short tick (100 ms) lets sessions as short as
// 200 ms be granted, so tests can make a session expire quickly.
import net from 'node:net';
import { startZooKeeperProcess } from '../../tools/cluster/zookeeper-process.js';
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

/** A free TCP port on 127.0.0.1 (free when this returns; taken by whoever binds it first). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

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
