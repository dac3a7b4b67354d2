// A real ZooKeeper for a test: Debian's `zookeeper` package (installed by `npm run test:deps`),
// standalone, on 127.0.0.1 and a free port, with its data in a temp dir; stopped (and the dir
// removed) by the test. A short tick (100 ms) lets sessions as short as 200 ms be granted, so
// tests can make a session expire quickly.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { makeTempDir, removeTempDir } from './temp-dir.js';
import { waitFor } from './wait-for.js';

const ZK_SERVER = '/usr/share/zookeeper/bin/zkServer.sh';

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

/** Whether something accepts TCP connections on 127.0.0.1:port. */
function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** ZooKeeper's four-letter command `ruok` answers `imok` once it serves. */
function answersRuok(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    let reply = '';
    const socket = net.connect(port, '127.0.0.1', () => socket.end('ruok'));
    // A server still starting may accept and say nothing: ask again rather than wait forever.
    socket.setTimeout(1000, () => socket.destroy());
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (reply += chunk));
    socket.once('close', () => resolve(reply === 'imok'));
    socket.once('error', () => resolve(false));
  });
}

export async function startZooKeeper(): Promise<RunningZooKeeper> {
  if (!fs.existsSync(ZK_SERVER)) {
    throw new Error(`${ZK_SERVER} is missing: install Debian's zookeeper package (npm run test:deps)`);
  }
  const dir = makeTempDir('kiln-zk-');
  const port = await freePort();
  const conf = [
    'tickTime=100',
    'minSessionTimeout=200',
    'maxSessionTimeout=60000',
    `dataDir=${path.join(dir, 'data')}`,
    `clientPort=${port}`,
    'clientPortAddress=127.0.0.1',
    'admin.enableServer=false',
    '4lw.commands.whitelist=ruok',
    'maxClientCnxns=0',
  ].join('\n');
  fs.mkdirSync(path.join(dir, 'data'));
  fs.writeFileSync(path.join(dir, 'zoo.cfg'), conf + '\n');
  fs.copyFileSync('/etc/zookeeper/conf/log4j.properties', path.join(dir, 'log4j.properties'));
  let child: ChildProcess | undefined;
  const launch = async (): Promise<void> => {
    const out = fs.openSync(path.join(dir, 'zookeeper.out'), 'a');
    child = spawn(ZK_SERVER, ['start-foreground', path.join(dir, 'zoo.cfg')], {
      env: {
        ...process.env,
        ZOOCFGDIR: dir,
        ZOO_LOG_DIR: dir,
        JVMFLAGS: '-Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1',
      },
      stdio: ['ignore', out, out],
      detached: true,
    });
    fs.closeSync(out);
    const exited = new Promise<never>((_, reject) =>
      child!.once('exit', (code) => reject(new Error(`ZooKeeper exited with ${code}: ${tail(dir)}`))),
    );
    exited.catch(() => {});
    await Promise.race([
      waitFor(() => answersRuok(port), { timeoutMs: 30_000, intervalMs: 100, what: 'ZooKeeper to serve' }),
      exited,
    ]);
  };
  const kill = async (): Promise<void> => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise((resolve) => c.once('exit', resolve));
    try {
      process.kill(-c.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
    await gone;
    await waitFor(async () => !(await accepting(port)), {
      timeoutMs: 10_000,
      intervalMs: 50,
      what: 'ZooKeeper to stop',
    });
  };
  await launch();
  return {
    connect: `127.0.0.1:${port}`,
    port,
    kill,
    restart: launch,
    async stop() {
      await kill();
      removeTempDir(dir);
    },
  };
}

function tail(dir: string): string {
  try {
    return fs.readFileSync(path.join(dir, 'zookeeper.out'), 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '(no output)';
  }
}
