/**
 * A cluster broker's place in ZooKeeper: the persistent paths every broker expects, the cluster id
 * (`/cluster/id`, made by the first broker and then shared), and the broker's own ephemeral
 * `/brokers/ids/<id>`, which exists exactly as long as its session does.
 *
 * A broker id that another live session holds is refused at start: two brokers with one id would
 * each believe they own the same replicas. The broker's own node from a session that is still
 * ours is taken as registered (a retried create after a lost connection). After its session
 * expires the broker registers again on the new session, replacing a node its expired session
 * left; a NODE_EXISTS owned by another session is retried for up to one session timeout before it
 * counts as a conflict (at start: at once).
 */
import { randomBytes } from 'node:crypto';
import { ZkError, type ZkClient } from './zk-client.js';
import {
  brokerPath,
  brokerZnode,
  clusterIdZnode,
  PATHS,
  PERSISTENT_PATHS,
  type BrokerRegistration,
} from './znodes.js';

/** The broker id is registered by another live broker. */
export class BrokerIdConflictError extends Error {
  constructor(
    readonly brokerId: number,
    holder: BrokerRegistration | null,
    mine?: BrokerRegistration,
  ) {
    const where = holder?.endpoints.map((e) => `${e.listener}://${e.host}:${e.port}`).join(', ');
    const same =
      mine !== undefined &&
      holder !== null &&
      holder.endpoints.some((h) => mine.endpoints.some((m) => m.host === h.host && m.port === h.port));
    super(
      `broker.id ${brokerId} is already registered in ZooKeeper` +
        (where ? ` (${where})` : '') +
        (same
          ? ': most likely by this broker before it stopped uncleanly; its ZooKeeper session ends ' +
            'after zookeeper.session.timeout.ms, then start it again'
          : ' by another broker; give each broker its own broker.id'),
    );
    this.name = 'BrokerIdConflictError';
  }
}

/** Creates Kafka's persistent paths that are not there yet. */
export async function ensurePersistentPaths(zk: ZkClient): Promise<void> {
  for (const path of PERSISTENT_PATHS) await zk.ensurePath(path);
  await zk.ensurePath('/cluster');
}

/**
 * The cluster's id: the one in `/cluster/id`, or, for the first broker, `proposed` (the id its data
 * directories already carry, if any) or a new one, written there. Two brokers racing to be first
 * agree on whichever write landed.
 */
export async function clusterIdOf(zk: ZkClient, proposed: string | undefined): Promise<string> {
  for (;;) {
    const node = await zk.get(PATHS.clusterId);
    if (node) return clusterIdZnode.decode(node.data);
    const id = proposed ?? newClusterId();
    try {
      await zk.create(PATHS.clusterId, clusterIdZnode.encode(id));
      return id;
    } catch (err) {
      if (!(err instanceof ZkError && err.code === 'NODE_EXISTS')) throw err;
    }
  }
}

/** A cluster id as Kafka makes them: 16 random bytes, base64url without padding (22 characters). */
export function newClusterId(): string {
  return randomBytes(16).toString('base64url');
}

/** A live broker: its registration, and its epoch (the zxid that created the registration). */
export interface LiveBroker extends BrokerRegistration {
  epoch: number;
}

/**
 * Registers the broker (ephemeral `/brokers/ids/<id>`), now and again on every new session;
 * `onEpoch` hears the broker epoch of each registration (Kafka's: the node's creation zxid, which
 * the controller's requests carry so a broker can refuse those meant for an earlier life of it).
 * Throws BrokerIdConflictError if another live broker holds the id.
 */
export async function registerBroker(
  zk: ZkClient,
  registration: () => BrokerRegistration,
  onEpoch: (epoch: number) => void,
  log?: (message: string) => void,
): Promise<void> {
  onEpoch(await registerOnce(zk, registration(), 0));
  zk.onNewSession(async () => {
    // Tried until it is written: a broker missing from /brokers/ids gets no partitions, no
    // requests from the controller, and no clients.
    for (let attempt = 0; !zk.isClosed; attempt++) {
      const r = registration();
      try {
        onEpoch(await registerOnce(zk, r, zk.sessionTimeoutMs));
        log?.(`broker ${r.id} registered again in ZooKeeper on session ${zk.sessionId}`);
        return;
      } catch (err) {
        log?.(`broker ${r.id} could not register again in ZooKeeper (${(err as Error).message}); retrying`);
        await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 200 * 2 ** attempt)));
      }
    }
  });
}

/** Creates the registration; resolves with its epoch (creation zxid). */
async function registerOnce(zk: ZkClient, r: BrokerRegistration, patienceMs: number): Promise<number> {
  const path = brokerPath(r.id);
  const until = Date.now() + patienceMs;
  for (;;) {
    try {
      await zk.create(path, brokerZnode.encode(r), 'ephemeral');
    } catch (err) {
      if (!(err instanceof ZkError && err.code === 'NODE_EXISTS')) throw err;
    }
    const held = await zk.get(path);
    if (held === null) continue; // gone between our create and our read: try again
    if (held.ephemeralOwner === zk.sessionId) return held.czxid;
    if (zk.wasOwnSession(held.ephemeralOwner)) {
      // Left by our own expired session, which ZooKeeper has not cleaned up yet: ours to replace.
      await zk.delete(path, held.version).catch(() => {});
      continue;
    }
    if (Date.now() >= until) throw new BrokerIdConflictError(r.id, decodeOrNull(r.id, held.data), r);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function decodeOrNull(id: number, data: Buffer): BrokerRegistration | null {
  try {
    return brokerZnode.decode(id, data);
  } catch {
    return null;
  }
}

/** The live brokers, by id, as registered now (a broker whose node cannot be read is left out). */
export async function liveBrokers(zk: ZkClient): Promise<Map<number, LiveBroker>> {
  const out = new Map<number, LiveBroker>();
  const ids = (await zk.children(PATHS.brokerIds)) ?? [];
  for (const name of ids) {
    const id = Number(name);
    if (!Number.isSafeInteger(id)) continue;
    const node = await zk.get(brokerPath(id));
    if (!node) continue;
    const b = decodeOrNull(id, node.data);
    if (b) out.set(id, { ...b, epoch: node.czxid });
  }
  return out;
}
