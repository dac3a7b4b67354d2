/**
 * Debian's ZooKeeper (the `zookeeper` package, 3.8) run as a child process: standalone, on
 * 127.0.0.1 and the port given, with its data and its log under `dir`. `kiln cluster` runs one for
 * a local cluster, and the tests run one each. It is ready once it answers the four-letter
 * command `ruok` with `imok`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export const ZK_SERVER = '/usr/share/zookeeper/bin/zkServer.sh';
const LOG4J = '/etc/zookeeper/conf/log4j.properties';
/**
 * Debian's ZooKeeper jar names no SLF4J binding, so it logs nothing at all (SLF4J's no-op
 * logger); SLF4J's simple binding (libslf4j-java, which the package depends on) writes its log to
 * zookeeper.out. The script puts JVMFLAGS after its own -cp, so a -cp there replaces the class path.
 */
const ZK_CLASS_PATH = ['/usr/share/java/zookeeper.jar', '/usr/share/java/slf4j-simple.jar'];

export interface ZooKeeperOptions {
  /** Where its config, data and log go (created if missing). */
  dir: string;
  port: number;
  /** ZooKeeper's tick (sessions may be as short as two ticks); default 200 ms. */
  tickMs?: number;
  /** How long to wait for it to serve; default 30 s. */
  startTimeoutMs?: number;
}

export interface ZooKeeperProcess {
  /** 127.0.0.1:<port>, for zookeeper.connect. */
  connect: string;
  port: number;
  /** SIGKILL (as in a crash: sessions are not closed); its data stays. */
  kill(): Promise<void>;
  /** Starts it again, same port and data, after kill() or stop(). */
  restart(): Promise<void>;
  /** SIGTERM, then SIGKILL if it lingers; its data stays. */
  stop(): Promise<void>;
  /** The end of its log, for error messages. */
  logTail(): string;
  /** SIGKILL to its process group at once, without waiting (for a process that is exiting). */
  killNow(): void;
}

/** Whether Debian's ZooKeeper is installed here. */
export function zooKeeperInstalled(): boolean {
  return fs.existsSync(ZK_SERVER);
}

export async function startZooKeeperProcess(options: ZooKeeperOptions): Promise<ZooKeeperProcess> {
  if (!zooKeeperInstalled()) {
    throw new Error(
      `${ZK_SERVER} is missing: install Debian's zookeeper package (apt-get install zookeeper)`,
    );
  }
  const { dir, port } = options;
  const tick = options.tickMs ?? 200;
  fs.mkdirSync(path.join(dir, 'data'), { recursive: true });
  const config = [
    `tickTime=${tick}`,
    `minSessionTimeout=${2 * tick}`,
    'maxSessionTimeout=60000',
    `dataDir=${path.join(dir, 'data')}`,
    `clientPort=${port}`,
    'clientPortAddress=127.0.0.1',
    'admin.enableServer=false',
    '4lw.commands.whitelist=ruok',
    'maxClientCnxns=0',
  ];
  fs.writeFileSync(path.join(dir, 'zoo.cfg'), config.join('\n') + '\n');
  if (fs.existsSync(LOG4J)) fs.copyFileSync(LOG4J, path.join(dir, 'log4j.properties'));
  const logFile = path.join(dir, 'zookeeper.out');
  let child: ChildProcess | undefined;

  const launch = async (): Promise<void> => {
    const out = fs.openSync(logFile, 'a');
    const started = spawn(ZK_SERVER, ['start-foreground', path.join(dir, 'zoo.cfg')], {
      env: {
        ...process.env,
        ZOOCFGDIR: dir,
        ZOO_LOG_DIR: dir,
        JVMFLAGS: ['-Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1', ...logFlags()].join(' '),
      },
      stdio: ['ignore', out, out],
      // Its own process group, so the JVM the script starts goes with it.
      detached: true,
    });
    child = started;
    fs.closeSync(out);
    let exited = false;
    started.once('exit', () => (exited = true));
    const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
    while (!(await answersRuok(port))) {
      if (exited) throw new Error(`ZooKeeper exited at start:\n${tail(logFile)}`);
      if (Date.now() >= deadline) {
        await signalGroup(started, 'SIGKILL');
        throw new Error(`ZooKeeper did not serve on 127.0.0.1:${port} in time:\n${tail(logFile)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  const end = async (signal: NodeJS.Signals): Promise<void> => {
    const c = child;
    child = undefined;
    if (!c) return;
    await signalGroup(c, signal);
    const deadline = Date.now() + 10_000;
    while (await accepting(port)) {
      if (Date.now() >= deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  await launch();
  return {
    connect: `127.0.0.1:${port}`,
    port,
    kill: () => end('SIGKILL'),
    restart: launch,
    stop: () => end('SIGTERM'),
    logTail: () => tail(logFile),
    killNow: () => {
      if (child?.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    },
  };
}

/** Sends `signal` to the child's process group and waits for the child to exit (SIGKILL after 10 s). */
async function signalGroup(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((resolve) => child.once('exit', resolve));
  const send = (s: NodeJS.Signals): void => {
    try {
      process.kill(-child.pid!, s);
    } catch {
      // already gone
    }
  };
  send(signal);
  const timer = setTimeout(() => send('SIGKILL'), 10_000);
  await gone;
  clearTimeout(timer);
}

/** ZooKeeper answers `ruok` with `imok` once it serves (one that accepts and says nothing is asked again). */
function answersRuok(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    let reply = '';
    const socket = net.connect(port, '127.0.0.1', () => socket.end('ruok'));
    socket.setTimeout(1000, () => socket.destroy());
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (reply += chunk));
    socket.once('close', () => resolve(reply === 'imok'));
    socket.once('error', () => resolve(false));
  });
}

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

function tail(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '(no output)';
  }
}

/** JVM flags that make ZooKeeper log through SLF4J's simple binding, if it is installed. */
function logFlags(): string[] {
  if (!ZK_CLASS_PATH.every((jar) => fs.existsSync(jar))) return [];
  return [
    `-cp ${ZK_CLASS_PATH.join(':')}`,
    '-Dorg.slf4j.simpleLogger.showDateTime=true',
    "-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSS",
  ];
}
