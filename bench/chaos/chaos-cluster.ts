/**
 * The cluster a chaos run works on: Debian's ZooKeeper (tools/cluster/zookeeper-process.ts) and
 * N brokers (broker-node.ts), all on 127.0.0.1 and free ports, data under the run's directory.
 * Every broker reaches ZooKeeper and is reached by everyone through proxies (link-proxy.ts), so a
 * fault can part one broker from ZooKeeper or two brokers from each other. It knows which brokers
 * are up, killed or paused, creates the run's topics, says whether the cluster has settled (see
 * health()), and heals everything at the end.
 */
import path from 'node:path';
import { CreateTopicsApi } from '../../server/protocol/apis/create-topics.js';
import { checkError } from '../../tools/client/kafka-client.js';
import { startZooKeeperProcess, type ZooKeeperProcess } from '../../tools/cluster/zookeeper-process.js';
import { freePort } from '../../tools/cluster/free-port.js';
import { trackKiller } from '../e2e/child-processes.js';
import { BrokerNode } from './broker-node.js';
import { ZkClient } from '../../server/cluster/zookeeper/zk-client.js';
import { ClusterProbe, type MetadataView } from './cluster-probe.js';
import { cutBrokerLink, healBrokerLink } from './broker-link.js';
import { brokerLogExcerpt } from './broker-log-excerpt.js';

export interface ChaosClusterOptions {
  dir: string;
  brokers: number;
  /** The compiled broker and the directory it runs in. */
  entry: string;
  cwd: string;
  /** Broker properties of the run (zookeeper.session.timeout.ms, min.insync.replicas, ...). */
  properties: Record<string, string>;
  log: (line: string) => void;
  /** A broker exited without being asked to. */
  onBrokerCrash?: (id: number, how: string, output: string) => void;
}

/** Where the cluster lives in ZooKeeper. */
const CHROOT = '/kiln-chaos';

/** The run's topics, as the settle check expects them. */
export interface TopicLayout {
  names: string[];
  partitions: number;
  replicationFactor: number;
}

export class ChaosCluster {
  readonly probe: ClusterProbe;
  zookeeperUp = true;
  private readonly cutPairs = new Set<string>();
  private readonly untrack: () => void;

  private constructor(
    readonly zookeeper: ZooKeeperProcess,
    readonly nodes: Map<number, BrokerNode>,
    /** The brokers' zookeeper.session.timeout.ms. */
    readonly sessionTimeoutMs: number,
  ) {
    this.probe = new ClusterProbe((id) => this.nodes.get(id)?.address);
    this.untrack = trackKiller(() => this.killNow());
  }

  static async start(options: ChaosClusterOptions): Promise<ChaosCluster> {
    options.log(`starting ZooKeeper (log: ${path.join(options.dir, 'zookeeper', 'zookeeper.out')})`);
    const zookeeper = await startZooKeeperProcess({
      dir: path.join(options.dir, 'zookeeper'),
      port: await freePort(),
    });
    const nodes = new Map<number, BrokerNode>();
    const session = Number(options.properties['zookeeper.session.timeout.ms'] ?? 18_000);
    const cluster = new ChaosCluster(zookeeper, nodes, session);
    try {
      for (let id = 1; id <= options.brokers; id++) {
        const node = await BrokerNode.create({
          id,
          dir: options.dir,
          entry: options.entry,
          cwd: options.cwd,
          zookeeperPort: zookeeper.port,
          chroot: CHROOT,
          properties: options.properties,
          onUnexpectedExit: (n, how) => options.onBrokerCrash?.(n.id, how, n.recentOutput(20)),
        });
        nodes.set(id, node);
      }
      options.log(`starting ${options.brokers} brokers (logs: ${path.join(options.dir, 'logs')})`);
      await Promise.all([...nodes.values()].map((n) => n.start()));
      await cluster.waitForRegistrations(30_000);
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  /** The brokers' advertised addresses (their listener proxies). */
  get bootstrap(): string {
    return [...this.nodes.values()].map((n) => n.address).join(',');
  }

  ids(): number[] {
    return [...this.nodes.keys()].sort((a, b) => a - b);
  }

  /** Brokers running and not paused. */
  servingIds(): number[] {
    return this.ids().filter((id) => this.nodes.get(id)!.state === 'up');
  }

  node(id: number): BrokerNode {
    const node = this.nodes.get(id);
    if (!node) throw new Error(`no broker ${id}`);
    return node;
  }

  /** Metadata from the first serving broker that answers (`prefer` first), or null if none does. */
  async metadataFromAny(topics: readonly string[], prefer?: number): Promise<MetadataView | null> {
    const order = this.servingIds().sort((a, b) => (a === prefer ? -1 : b === prefer ? 1 : a - b));
    for (const id of order) {
      try {
        return await this.probe.metadata(id, topics, 1500);
      } catch {
        // Try the next one.
      }
    }
    return null;
  }

  /**
   * What ZooKeeper itself says: the registered brokers (/brokers/ids) and the controller
   * (/controller, -1 if none), read on a session of its own straight to ZooKeeper (not through a
   * broker's proxy), opened for this one read: a session of the chaos run's own that hung on a
   * ZooKeeper restart could not tell.
   */
  async registrations(timeoutMs = 5000): Promise<{ brokers: number[]; controller: number }> {
    let zk: ZkClient | undefined;
    let timer: NodeJS.Timeout | undefined;
    const read = async (): Promise<{ brokers: number[]; controller: number }> => {
      zk = await ZkClient.connect(this.zookeeper.connect, {
        sessionTimeoutMs: 6000,
        connectionTimeoutMs: timeoutMs,
      });
      const ids = (await zk.children(`${CHROOT}/brokers/ids`)) ?? [];
      const node = await zk.get(`${CHROOT}/controller`);
      const controller = node
        ? ((JSON.parse(node.data.toString()) as { brokerid?: number }).brokerid ?? -1)
        : -1;
      return { brokers: ids.map(Number).sort((a, b) => a - b), controller };
    };
    try {
      return await Promise.race([
        read(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
      zk?.close();
    }
  }

  /** Waits until every broker lists them all (one placing replicas earlier would see too few). */
  private async waitForRegistrations(timeoutMs: number): Promise<void> {
    const ids = this.ids();
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const views = await Promise.all(ids.map((id) => this.probe.metadata(id, [], 2000).catch(() => null)));
      if (views.every((v) => v?.brokers.join(',') === ids.join(','))) return;
      if (performance.now() > deadline)
        throw new Error(`the brokers did not all register in ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Creates the topics through the controller; throws with the broker's error. */
  async createTopics(layout: TopicLayout, configs: Record<string, string>): Promise<void> {
    const view = await this.metadataFromAny([]);
    if (!view) throw new Error('no broker answered Metadata');
    const controller = view.controllerId >= 0 ? view.controllerId : view.from;
    const answer = await this.probe.withConnection(controller, 30_000, (conn) =>
      conn.request(CreateTopicsApi, {
        topics: layout.names.map((name) => ({
          name,
          numPartitions: layout.partitions,
          replicationFactor: layout.replicationFactor,
          assignments: [],
          configs: Object.entries(configs).map(([key, value]) => ({ name: key, value })),
        })),
        timeoutMs: 25_000,
        validateOnly: false,
      }),
    );
    for (const t of answer.topics) checkError(t.errorCode, `create topic ${t.name}`, t.errorMessage);
  }

  /**
   * Null once the cluster has settled, else what is still missing: every broker running and
   * ZooKeeper up; every broker answering Metadata with all brokers registered, the same controller,
   * and for each partition of the run's topics the same leader, its whole replica list (the
   * replication factor: no move in progress) in the ISR; and ZooKeeper agreeing: every broker
   * registered, the same controller (a broker serves from what it was told even after its session
   * is gone).
   */
  async health(layout: TopicLayout): Promise<string | null> {
    const down = this.ids().filter((id) => this.nodes.get(id)!.state !== 'up');
    if (down.length > 0) return `broker(s) ${down.join(',')} not running`;
    if (!this.zookeeperUp) return 'ZooKeeper is down';
    const ids = this.ids();
    const views = await Promise.all(
      ids.map((id) => this.probe.metadata(id, layout.names, 2000).catch((err: Error) => err.message)),
    );
    let leaders: string | undefined;
    let controller: number | undefined;
    for (const [i, view] of views.entries()) {
      const id = ids[i]!;
      if (typeof view === 'string') return `broker ${id}: ${view}`;
      if (view.brokers.join(',') !== ids.join(',')) return `broker ${id} sees brokers [${view.brokers}]`;
      if (!ids.includes(view.controllerId)) return `broker ${id} sees controller ${view.controllerId}`;
      if (controller !== undefined && controller !== view.controllerId)
        return 'brokers disagree on the controller';
      controller = view.controllerId;
      for (const [topic, code] of view.topicErrors) return `broker ${id}: topic ${topic} error ${code}`;
      if (view.partitions.length !== layout.names.length * layout.partitions)
        return `broker ${id} sees ${view.partitions.length} partitions`;
      for (const p of view.partitions) {
        const name = `${p.topic}/${p.partition}`;
        if (p.leader < 0) return `${name} has no leader (broker ${id})`;
        if (p.replicas.length !== layout.replicationFactor)
          return `${name} has replicas [${p.replicas}] (broker ${id})`;
        const isr = [...p.isr].sort((a, b) => a - b).join(',');
        if (isr !== [...p.replicas].sort((a, b) => a - b).join(','))
          return `${name} ISR [${p.isr}] of replicas [${p.replicas}] (broker ${id})`;
      }
      const these = view.partitions.map((p) => p.leader).join(',');
      if (leaders !== undefined && leaders !== these) return 'brokers disagree on the leaders';
      leaders = these;
    }
    // The brokers answer from what they were last told; ZooKeeper says whether it still holds.
    const registered = await this.registrations().catch((err: Error) => `ZooKeeper: ${err.message}`);
    if (typeof registered === 'string') return registered;
    if (registered.brokers.join(',') !== ids.join(','))
      return `registered in ZooKeeper: [${registered.brokers}] (the brokers' Metadata says [${ids}])`;
    if (registered.controller !== controller)
      return `ZooKeeper names controller ${registered.controller}, the brokers ${controller}`;
    return null;
  }

  /**
   * Waits until health() is null and `also` (if given) says nothing is missing either; resolves
   * with the time it took, or with why not once `timeoutMs` has passed.
   */
  async waitSettled(
    layout: TopicLayout,
    timeoutMs: number,
    also?: () => Promise<string | null>,
  ): Promise<{ settled: boolean; ms: number; reason: string | null }> {
    const started = performance.now();
    let reason: string | null = 'not checked yet';
    for (;;) {
      reason = (await this.health(layout)) ?? (also ? await also() : null);
      const ms = performance.now() - started;
      if (reason === null) return { settled: true, ms, reason };
      if (ms > timeoutMs) return { settled: false, ms, reason };
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /**
   * One line on what each broker looks like from outside, for a cluster that did not settle: its
   * process, its connections to ZooKeeper (through its proxy) and what its Metadata says.
   */
  async diagnose(): Promise<string> {
    const parts = await Promise.all(
      this.ids().map(async (id) => {
        const node = this.node(id);
        const view = await this.probe.metadata(id, [], 2000).catch(() => null);
        const sees = view
          ? `sees brokers [${view.brokers}], controller ${view.controllerId}`
          : 'no Metadata answer';
        const links = node.zookeeperLink
          .openLinks()
          .map((l) => `open ${(l.ageMs / 1000).toFixed(0)} s, ${l.fromServer} B from ZooKeeper`);
        return `broker ${id}: ${node.state} (pid ${node.pid ?? '-'}), ${sees}, ZooKeeper link(s): ${links.join(', ') || 'none'}`;
      }),
    );
    const registered = await this.registrations().catch(
      (err: Error) => `ZooKeeper unreadable: ${err.message}`,
    );
    const zk =
      typeof registered === 'string'
        ? registered
        : `registered in ZooKeeper: [${registered.brokers}], /controller ${registered.controller}`;
    return [...parts, zk].join('; ');
  }

  /** Each broker's last log lines (brokerLogExcerpt), for a cluster that did not settle. */
  logExcerpts(lines = 15): string {
    return this.ids()
      .map((id) => `broker ${id} last said: ${brokerLogExcerpt(this.node(id).logFile, lines) || 'nothing'}`)
      .join('\n');
  }

  /** Parts brokers `a` and `b`: each one's connections to the other are dropped and refused. */
  cutLink(a: number, b: number): void {
    cutBrokerLink((id) => this.node(id).listener, a, b);
    this.cutPairs.add(`${a},${b}`);
  }

  healLink(a: number, b: number): void {
    healBrokerLink((id) => this.node(id).listener, a, b);
    this.cutPairs.delete(`${a},${b}`);
  }

  /** Starts a killed broker again, as soon as its old registration has gone (BrokerNode.restart). */
  async restart(id: number): Promise<void> {
    await this.node(id).restart(2 * this.sessionTimeoutMs + 10_000);
  }

  async killZooKeeper(): Promise<void> {
    this.zookeeperUp = false;
    await this.zookeeper.kill();
  }

  async restartZooKeeper(): Promise<void> {
    await this.zookeeper.restart();
    this.zookeeperUp = true;
  }

  /** Undoes every fault: links healed, ZooKeeper up, paused brokers resumed, killed ones started. */
  async healAll(): Promise<void> {
    for (const pair of [...this.cutPairs]) {
      const [a, b] = pair.split(',').map(Number) as [number, number];
      this.healLink(a, b);
    }
    for (const node of this.nodes.values()) node.zookeeperLink.healAll();
    if (!this.zookeeperUp) await this.restartZooKeeper();
    for (const node of this.nodes.values()) node.resume();
    await Promise.all(
      this.ids()
        .filter((id) => this.node(id).state === 'down')
        .map((id) => this.restart(id)),
    );
  }

  /** Stops the brokers cleanly (in parallel), then ZooKeeper; closes the proxies. */
  async stop(): Promise<void> {
    this.probe.close();
    await Promise.all([...this.nodes.values()].map((n) => n.stop()));
    await this.zookeeper.stop();
    await Promise.all([...this.nodes.values()].map((n) => n.closeProxies()));
    this.untrack();
  }

  /** SIGKILL to every broker and ZooKeeper at once, without waiting (exit and Ctrl-C). */
  killNow(): void {
    for (const node of this.nodes.values()) node.killNow();
    this.zookeeper.killNow();
  }
}
