/**
 * A broker's controlled shutdown, its own side (Kafka's KafkaServer.controlledShutdown): before it
 * stops, it asks the controller (ControlledShutdown) to move its leaderships to other ISR members,
 * so clients fail over while it still answers instead of after its partitions went offline. The
 * controller is looked up in ZooKeeper for each attempt (/controller, then its registration for
 * the address), since it may move meanwhile. The request is sent again after a back-off while
 * partitions remain or on an error (NOT_CONTROLLER, a lost connection, no controller elected),
 * at most `maxRetries` more times and within `timeoutMs` overall; after an error that says the
 * controller is moving, the next attempt goes out as soon as another one is registered (brokers
 * stopping together hand the controller on between them) rather than after the whole back-off. Resolves true once the
 * controller answers that nothing is left to move; false otherwise (the broker stops anyway).
 */
import { Connection } from '../../client/connection.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { ControlledShutdownApi } from '../../protocol/apis/controlled-shutdown.js';
import type { ResponseReceived } from '../../protocol/message-types.js';
import type { ZkClient } from '../zookeeper/zk-client.js';
import { brokerPath, brokerZnode, controllerZnode, PATHS } from '../zookeeper/znodes.js';

export interface ControlledShutdownRequestOptions {
  zk: ZkClient;
  brokerId: number;
  /** This broker's epoch (its registration's zxid), which the controller checks (sent from v2). */
  brokerEpoch: () => number;
  /** Attempts after the first (Kafka's controlled.shutdown.max.retries, default 3). */
  maxRetries?: number;
  /** Wait between attempts (controlled.shutdown.retry.backoff.ms, default 5000). */
  retryBackoffMs?: number;
  /** Bound on the whole exchange, back-offs included (default 30 s). */
  timeoutMs?: number;
  log?: (message: string) => void;
  /**
   * Whether another attempt could move any of the partitions the controller could not (some other
   * replica of one is alive and may catch up); without it every attempt is made.
   */
  worthRetrying?: (remaining: { topic: string; partition: number }[]) => boolean;
  /** How a connection is opened (tests replace it). */
  open?: (host: string, port: number, clientId: string, setupTimeoutMs: number) => Promise<Connection>;
}

type Answer = ResponseReceived<typeof ControlledShutdownApi>;

class DeadlinePassedError extends Error {
  constructor() {
    super('the controlled shutdown took too long');
  }
}

/** Asks the controller to move this broker's leaderships; true once none is left. */
export async function requestControlledShutdown(options: ControlledShutdownRequestOptions): Promise<boolean> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  const attempts = (options.maxRetries ?? 3) + 1;
  const log = options.log ?? ((): void => {});
  let open: { controllerId: number; address: string; connection: Connection } | undefined;
  let finished = false;
  // The controller last asked, when the attempt failed because of it (NOT_CONTROLLER, gone,
  // silent), or NO_CONTROLLER when none was registered: the next attempt waits for a change.
  let failedController: number | undefined;
  const drop = (): void => {
    open?.connection.close();
    open = undefined;
  };
  try {
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        const answer = await beforeDeadline(deadline, async () => {
          failedController = NO_CONTROLLER;
          const { controllerId, host, port } = await findController(options.zk);
          failedController = controllerId;
          const address = `${host}:${port}`;
          if (open && (open.controllerId !== controllerId || open.address !== address)) drop();
          if (!open) {
            const opener = options.open ?? Connection.open;
            const setup = Math.max(1, Math.min(10_000, deadline - Date.now()));
            const connection = await opener(host, port, `kiln-broker-${options.brokerId}`, setup);
            if (finished) {
              // Opened after the deadline gave up on it: nothing more goes out.
              connection.close();
              throw new DeadlinePassedError();
            }
            open = { controllerId, address, connection };
          }
          return open.connection.request(ControlledShutdownApi, {
            brokerId: options.brokerId,
            brokerEpoch: options.brokerEpoch(),
          });
        });
        if (succeeded(answer, log)) return true;
        if (answer.errorCode !== ErrorCode.NOT_CONTROLLER) failedController = undefined;
        const remaining = answer.remainingPartitions.map((p) => ({
          topic: p.topicName,
          partition: p.partitionIndex,
        }));
        if (answer.errorCode === 0 && options.worthRetrying && !options.worthRetrying(remaining)) {
          log('controlled shutdown: no other replica of the remaining partitions is alive to lead them');
          break;
        }
      } catch (err) {
        drop();
        if (err instanceof DeadlinePassedError) break;
        log(`controlled shutdown: attempt ${attempt} failed (${(err as Error).message})`);
      }
      const wait = Math.min(options.retryBackoffMs ?? 5_000, deadline - Date.now());
      if (attempt === attempts || wait <= 0) break;
      await untilControllerMoves(options.zk, failedController, Date.now() + wait);
    }
    log('controlled shutdown did not complete; stopping without it');
    return false;
  } finally {
    finished = true;
    drop();
  }
}

/** Stands for "no controller was registered" where a controller id is expected. */
const NO_CONTROLLER = -1;

/**
 * Waits until `until`, or less once a controller other than `from` is registered (`from`
 * undefined: the whole wait). Each look at ZooKeeper is bounded by `until` too: a read retries
 * for as long as ZooKeeper is out of reach, and a stopping broker must not wait on it forever.
 */
async function untilControllerMoves(zk: ZkClient, from: number | undefined, until: number): Promise<void> {
  for (;;) {
    const left = until - Date.now();
    if (left <= 0) return;
    await new Promise((resolve) => setTimeout(resolve, Math.min(left, from === undefined ? left : 100)));
    if (from === undefined) continue;
    const now = await beforeDeadline(until, () => findController(zk)).catch(() => undefined);
    if (now && now.controllerId !== from) return;
  }
}

/** The controller's id and address, from ZooKeeper. */
async function findController(zk: ZkClient): Promise<{ controllerId: number; host: string; port: number }> {
  const node = await zk.get(PATHS.controller);
  if (!node) throw new Error('no controller is elected');
  const controllerId = controllerZnode.decode(node.data).brokerId;
  const registration = await zk.get(brokerPath(controllerId));
  if (!registration) throw new Error(`the controller (broker ${controllerId}) is not registered`);
  const endpoint = brokerZnode.decode(controllerId, registration.data).endpoints[0];
  if (!endpoint) throw new Error(`the controller (broker ${controllerId}) has no endpoint`);
  return { controllerId, host: endpoint.host, port: endpoint.port };
}

function succeeded(answer: Answer, log: (message: string) => void): boolean {
  if (answer.errorCode !== 0) {
    log(`controlled shutdown: the controller answered error ${answer.errorCode}`);
    return false;
  }
  if (answer.remainingPartitions.length === 0) return true;
  const names = answer.remainingPartitions.map((p) => `${p.topicName}-${p.partitionIndex}`);
  log(`controlled shutdown: still leading ${names.length} partition(s): ${names.slice(0, 10).join(', ')}`);
  return false;
}

/** Runs `work`, rejecting with DeadlinePassedError if the deadline comes first. */
async function beforeDeadline<T>(deadline: number, work: () => Promise<T>): Promise<T> {
  const remaining = deadline - Date.now();
  if (remaining <= 0) throw new DeadlinePassedError();
  let timer: NodeJS.Timeout | undefined;
  const running = work();
  running.catch(() => {}); // abandoned at the deadline: its failure is nobody's to hear
  try {
    return await Promise.race([
      running,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new DeadlinePassedError()), remaining);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
