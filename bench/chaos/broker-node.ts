/**
 * One broker of the chaos cluster: its process (the broker compiled to JavaScript, as the
 * benchmarks run it) and the two proxies in front of its links. It listens on 127.0.0.1 and a
 * port of its own, but advertises the address of its listener proxy (advertised.listeners), so
 * clients and the other brokers reach it only through that proxy; and it reaches ZooKeeper through
 * a proxy of its own (zookeeper.connect), so its session alone can be made to expire.
 *
 * The process can be SIGKILLed and started again (same ports, same data), SIGSTOPped and
 * SIGCONTed. Its output goes to <dir>/logs/broker-<id>.log, every start marked with a line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Tail, track } from '../e2e/child-processes.js';
import { freePort } from '../../tools/cluster/free-port.js';
import { peerOfHead } from './kafka-client-id.js';
import { LinkProxy } from './link-proxy.js';

export type BrokerState = 'down' | 'up' | 'paused';

/** The process exited (or hung) before it said it had started. */
export class StartError extends Error {}

export interface BrokerNodeOptions {
  id: number;
  /** The run's directory: data in <dir>/broker-<id>, output in <dir>/logs/broker-<id>.log. */
  dir: string;
  /** The compiled broker (server/main.js) and the directory it runs in. */
  entry: string;
  cwd: string;
  zookeeperPort: number;
  /** The ZooKeeper chroot of the cluster, starting with '/'. */
  chroot: string;
  /** More broker properties (the run's settings). */
  properties: Record<string, string>;
  startTimeoutMs?: number;
  /** Called when the process exits without being asked to (a crash). */
  onUnexpectedExit?: (node: BrokerNode, how: string) => void;
}

export class BrokerNode {
  state: BrokerState = 'down';
  /** How many times the process was started. */
  starts = 0;
  private child: ChildProcess | undefined;
  private expectExit = false;
  private tail = new Tail(16384);
  readonly logFile: string;

  private constructor(
    private readonly options: BrokerNodeOptions,
    /** The port the broker itself listens on (behind the listener proxy). */
    readonly port: number,
    /** In front of its listener; the address it advertises. */
    readonly listener: LinkProxy,
    /** Between it and ZooKeeper. */
    readonly zookeeperLink: LinkProxy,
  ) {
    this.logFile = path.join(options.dir, 'logs', `broker-${options.id}.log`);
  }

  static async create(options: BrokerNodeOptions): Promise<BrokerNode> {
    fs.mkdirSync(path.join(options.dir, 'logs'), { recursive: true });
    const port = await freePort();
    const listener = await LinkProxy.start({ targetPort: port, identify: peerOfHead });
    const zookeeperLink = await LinkProxy.start({ targetPort: options.zookeeperPort });
    return new BrokerNode(options, port, listener, zookeeperLink);
  }

  get id(): number {
    return this.options.id;
  }

  /** The advertised address (its listener proxy), for bootstrap lists. */
  get address(): string {
    return this.listener.address;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the process; resolves once it says it has started, rejects if it exits first. */
  async start(): Promise<void> {
    if (this.child) throw new Error(`broker ${this.id} is already running`);
    const properties: Record<string, string> = {
      'broker.id': String(this.id),
      listeners: `PLAINTEXT://127.0.0.1:${this.port}`,
      'advertised.listeners': `PLAINTEXT://${this.listener.address}`,
      // Several brokers on one machine: no admin listener (its default port would be shared).
      'kiln.admin.listener': 'none',
      'log.dirs': path.join(this.options.dir, `broker-${this.id}`),
      'zookeeper.connect': `${this.zookeeperLink.address}${this.options.chroot}`,
      ...this.options.properties,
    };
    const args = [
      this.options.entry,
      ...Object.entries(properties).flatMap(([k, v]) => ['--override', `${k}=${v}`]),
    ];
    this.starts++;
    this.tail = new Tail(16384);
    const log = fs.createWriteStream(this.logFile, { flags: 'a' });
    log.write(`=== start ${this.starts} at ${new Date().toISOString()}: node ${args.join(' ')}\n`);
    const child = track(
      spawn(process.execPath, args, { cwd: this.options.cwd, stdio: ['ignore', 'pipe', 'pipe'] }),
    );
    this.child = child;
    this.expectExit = false;
    let seen = '';
    let started = false;
    const timeoutMs = this.options.startTimeoutMs ?? 60_000;
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new StartError(`broker ${this.id} did not start in ${timeoutMs} ms`)),
        timeoutMs,
      );
      const onData = (chunk: Buffer): void => {
        log.write(chunk);
        const text = chunk.toString('utf8');
        this.tail.push(text);
        if (started) return;
        seen = (seen + text).slice(-4096);
        if (seen.includes('kiln broker started')) {
          started = true;
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        const how = signal ? `killed by ${signal}` : `exited with code ${code}`;
        log.end(`=== ${how} at ${new Date().toISOString()}\n`);
        if (this.child === child) {
          this.child = undefined;
          this.state = 'down';
        }
        if (!started) reject(new StartError(`broker ${this.id} ${how} while starting: ${this.lastWords()}`));
        else if (!this.expectExit) this.options.onUnexpectedExit?.(this, how);
      });
    });
    try {
      await ready;
    } catch (err) {
      this.killNow();
      throw err;
    }
    this.state = 'up';
  }

  /**
   * Starts it again after a kill. A broker killed a moment ago is still registered under its old
   * ZooKeeper session until that session expires, and a broker refuses to start while its id is
   * registered (as Kafka's does): it is started again until it is accepted, for up to `patienceMs`.
   */
  async restart(patienceMs: number): Promise<void> {
    const deadline = performance.now() + patienceMs;
    for (;;) {
      try {
        return await this.start();
      } catch (err) {
        const registered = err instanceof StartError && err.message.includes('already registered');
        if (!registered || performance.now() > deadline) throw err;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }

  /** SIGKILL, as in a crash; resolves once the process is gone. */
  async kill(): Promise<void> {
    await this.signalAndWait('SIGKILL');
  }

  /** SIGSTOP: the process stays, doing nothing, its connections open. */
  pause(): void {
    if (this.state !== 'up' || !this.child) throw new Error(`broker ${this.id} is not running`);
    this.child.kill('SIGSTOP');
    this.state = 'paused';
  }

  /** SIGCONT after pause(). */
  resume(): void {
    if (this.state !== 'paused' || !this.child) return;
    this.child.kill('SIGCONT');
    this.state = 'up';
  }

  /** A clean stop (SIGTERM: controlled shutdown), SIGKILL after `graceMs`. */
  async stop(graceMs = 20_000): Promise<void> {
    this.resume();
    const timer = setTimeout(() => this.killNow(), graceMs);
    await this.signalAndWait('SIGTERM');
    clearTimeout(timer);
  }

  /** SIGKILL without waiting (cleanup). */
  killNow(): void {
    this.expectExit = true;
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
    }
  }

  /** Its last line that is not a JSON log line (a fatal message), else its last line. */
  private lastWords(): string {
    const lines = this.tail.toString().trim().split('\n');
    return lines.reverse().find((l) => !l.startsWith('{')) ?? lines[0] ?? '(no output)';
  }

  /** The last lines it wrote, for reports. */
  recentOutput(lines = 10): string {
    return this.tail.toString().trim().split('\n').slice(-lines).join('\n');
  }

  async closeProxies(): Promise<void> {
    await Promise.all([this.listener.close(), this.zookeeperLink.close()]);
  }

  private async signalAndWait(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    this.expectExit = true;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await gone;
  }
}
