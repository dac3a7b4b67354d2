/**
 * Electing the cluster's one controller through ZooKeeper, as Kafka does: the first broker to
 * create the ephemeral `/controller` node is the controller, and in the same atomic multi it
 * raises `/controller_epoch` by one, conditional on the epoch node's version it read. Every broker
 * watches `/controller`; when it goes (the controller's session ended, or it resigned) each one
 * tries again.
 *
 * The controller's epoch node version fences it: every write a controller makes goes through
 * `fencedMulti`, which checks that `/controller_epoch` still has the version this controller
 * wrote. A controller that lost its session while paused, and a new one was elected, has its
 * writes refused with ControllerMovedError, however late it wakes up. Its session's expiry also
 * makes it resign at once here (`onResigned`), before any new session exists.
 */
import { ZkError, type ZkClient, type ZkOp } from './zk-client.js';
import { controllerEpochZnode, controllerZnode, PATHS } from './znodes.js';

/** A write by a controller that is no longer the controller. */
export class ControllerMovedError extends Error {
  constructor(epoch: number) {
    super(`this broker is no longer the controller (its epoch ${epoch} was superseded)`);
    this.name = 'ControllerMovedError';
  }
}

export interface ControllerElectionEvents {
  /** This broker became the controller with this epoch. */
  onElected?: (epoch: number) => void | Promise<void>;
  /** This broker stopped being the controller (lost its session, or resigned). */
  onResigned?: () => void;
  /** Another broker (or none, -1) is the controller now. */
  onControllerChange?: (controllerId: number) => void;
  log?: (message: string) => void;
}

export class ControllerElection {
  private controllerId = -1;
  private ownEpoch = -1;
  /** The version of /controller_epoch this broker wrote when it was elected. */
  private ownEpochVersion = -1;
  private running: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly zk: ZkClient,
    private readonly brokerId: number,
    private readonly events: ControllerElectionEvents = {},
  ) {
    zk.onExpired(() => this.resigned());
    zk.onNewSession(() => this.elect());
  }

  /** The controller's broker id as last seen, -1 while there is none. */
  get activeControllerId(): number {
    return this.controllerId;
  }

  get isController(): boolean {
    return this.ownEpoch >= 0;
  }

  /** This broker's controller epoch while it is the controller, else -1. */
  get epoch(): number {
    return this.ownEpoch;
  }

  /** Takes part from now on; resolves once the first election has been tried. */
  start(): Promise<void> {
    return this.elect();
  }

  /** Runs one election attempt after any in progress (they never overlap). */
  elect(): Promise<void> {
    this.running = this.running
      .then(() => this.tryElect())
      .catch((err: unknown) => {
        // Without a watch on /controller this broker would never try again: it retries shortly.
        this.events.log?.(`controller election failed (${(err as Error).message}); trying again`);
        if (!this.closed && !this.zk.isClosed) setTimeout(() => void this.elect(), 500).unref();
      });
    return this.running;
  }

  /**
   * Applies `ops` atomically only while this broker is still the controller of its epoch;
   * ControllerMovedError otherwise.
   */
  async fencedMulti(ops: ZkOp[]): Promise<void> {
    if (!this.isController) throw new ControllerMovedError(this.ownEpoch);
    const epoch = this.ownEpoch;
    try {
      await this.zk.multi([
        { op: 'check', path: PATHS.controllerEpoch, version: this.ownEpochVersion },
        ...ops,
      ]);
    } catch (err) {
      if (err instanceof ZkError && err.code === 'BAD_VERSION' && err.path === PATHS.controllerEpoch) {
        this.resigned();
        throw new ControllerMovedError(epoch);
      }
      throw err;
    }
  }

  /** Gives up the controller role (a controlled shutdown): another broker takes over. */
  async resign(): Promise<void> {
    this.closed = true;
    await this.running;
    if (!this.isController) return;
    this.resigned();
    try {
      await this.zk.delete(PATHS.controller);
    } catch (err) {
      if (!(err instanceof ZkError && err.code === 'NO_NODE')) throw err;
    }
  }

  /** Stops taking part (the session is being closed). */
  close(): void {
    this.closed = true;
  }

  private async tryElect(): Promise<void> {
    if (this.closed) return;
    const watch = (): void => void this.elect();
    // Whoever holds /controller now; the watch fires when it is created, changed or deleted.
    if (await this.zk.exists(PATHS.controller, watch)) {
      const node = await this.zk.get(PATHS.controller);
      if (node) {
        const id = controllerZnode.decode(node.data).brokerId;
        if (id === this.brokerId && node.ephemeralOwner === this.zk.sessionId && !this.isController) {
          // Our own election, whose answer was lost: take it up with the epoch it wrote.
          const epochNode = await this.zk.get(PATHS.controllerEpoch);
          if (epochNode) {
            await this.becomeController(controllerEpochZnode.decode(epochNode.data), epochNode.version);
            return;
          }
        }
        this.seeController(id, node.ephemeralOwner);
        return;
      }
    }
    const { epoch, version } = await this.readEpoch();
    try {
      await this.zk.multi([
        { op: 'check', path: PATHS.controllerEpoch, version },
        {
          op: 'create',
          path: PATHS.controller,
          data: controllerZnode.encode({ brokerId: this.brokerId, timestamp: Date.now() }),
          mode: 'ephemeral',
        },
        { op: 'set', path: PATHS.controllerEpoch, data: controllerEpochZnode.encode(epoch + 1), version },
      ]);
    } catch (err) {
      if (!(err instanceof ZkError && (err.code === 'NODE_EXISTS' || err.code === 'BAD_VERSION'))) throw err;
      // Another broker won this round (the watch set above brings its node) — or this one did, and
      // the answer was lost with the connection before the retry: then /controller is ours and the
      // epoch is the one we wrote.
      if (!(await this.wonAlready(epoch + 1))) return;
    }
    await this.becomeController(epoch + 1, version + 1);
  }

  private async becomeController(epoch: number, epochVersion: number): Promise<void> {
    this.ownEpoch = epoch;
    this.ownEpochVersion = epochVersion;
    this.controllerId = this.brokerId;
    this.events.log?.(`broker ${this.brokerId} is the controller (epoch ${this.ownEpoch})`);
    this.events.onControllerChange?.(this.brokerId);
    await this.events.onElected?.(this.ownEpoch);
  }

  /** Whether /controller is this broker's, on this session, with `epoch` in /controller_epoch. */
  private async wonAlready(epoch: number): Promise<boolean> {
    const node = await this.zk.get(PATHS.controller);
    if (!node || node.ephemeralOwner !== this.zk.sessionId) return false;
    if (controllerZnode.decode(node.data).brokerId !== this.brokerId) return false;
    const epochNode = await this.zk.get(PATHS.controllerEpoch);
    return epochNode !== null && controllerEpochZnode.decode(epochNode.data) === epoch;
  }

  private seeController(id: number, owner: string | undefined): void {
    if (id === this.brokerId && owner === this.zk.sessionId && this.isController) return;
    // Our own id under another session is a node left from an expired session of ours.
    if (this.isController) this.resigned();
    if (id !== this.controllerId) {
      this.controllerId = id;
      this.events.onControllerChange?.(id);
    }
  }

  /** The current controller epoch and its node's version, creating the node (epoch 0) if absent. */
  private async readEpoch(): Promise<{ epoch: number; version: number }> {
    for (;;) {
      const node = await this.zk.get(PATHS.controllerEpoch);
      if (node) return { epoch: controllerEpochZnode.decode(node.data), version: node.version };
      try {
        await this.zk.create(PATHS.controllerEpoch, controllerEpochZnode.encode(0));
      } catch (err) {
        if (!(err instanceof ZkError && err.code === 'NODE_EXISTS')) throw err;
      }
    }
  }

  private resigned(): void {
    const was = this.isController;
    this.ownEpoch = -1;
    this.ownEpochVersion = -1;
    if (this.controllerId === this.brokerId) this.controllerId = -1;
    if (was) {
      this.events.log?.(`broker ${this.brokerId} is no longer the controller`);
      this.events.onResigned?.();
    }
  }
}
