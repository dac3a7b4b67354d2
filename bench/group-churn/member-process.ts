/**
 * A group member of the churn benchmark as the run sees it: a child process (member_rdkafka.py for
 * librdkafka, member-node.ts for kafkajs and @platformatic/kafka) whose JSON lines tell which
 * partitions it owns and every record it read, with the time it read it. A leave is "close" on its
 * stdin (the client's own close: commit, LeaveGroup); a crash is SIGKILL.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { track } from '../e2e/child-processes.js';

export type ClientKind = 'librdkafka' | 'kafkajs' | 'platformatic';

/** What the clients call their assignors; only librdkafka has the cooperative one. */
export type Assignor = 'range' | 'cooperative-sticky';

export interface MemberOptions {
  kind: ClientKind;
  assignor: Assignor;
  bootstrap: string;
  group: string;
  topic: string;
  sessionMs: number;
  heartbeatMs: number;
}

/** One record read: when (unix ms) and by whom. */
export interface ReadRecord {
  partition: number;
  offset: number;
  t: number;
  member: number;
}

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));
const root = fileURLToPath(new URL('../../', import.meta.url));

export class MemberProcess {
  readonly child: ChildProcessWithoutNullStreams;
  /** The partitions it owns, as its last rebalance callback said. */
  owned: number[] = [];
  /** When it first owned a partition (0: not yet). */
  firstOwnedAt = 0;
  /** When it first read a record (0: not yet): its join is complete from then. */
  firstReadAt = 0;
  closedAt = 0;
  /** When the client was created and subscribed (0: not yet): a join counts from here. */
  readyAt = 0;
  exited = false;
  /** How often the client's stream ended on an error and the member consumed again (member-node.ts). */
  streamRestarts = 0;
  readonly startedAt = Date.now();
  private stderr = '';

  /** `sink` hears every record the member reads. */
  constructor(
    readonly id: number,
    readonly options: MemberOptions,
    sink: (record: ReadRecord) => void,
  ) {
    const { kind, bootstrap, group, topic, sessionMs, heartbeatMs } = options;
    const [command, args] =
      kind === 'librdkafka'
        ? [
            '/usr/bin/python3',
            [
              here('./member_rdkafka.py'),
              bootstrap,
              group,
              topic,
              options.assignor,
              `${sessionMs}`,
              `${heartbeatMs}`,
            ],
          ]
        : [
            process.execPath,
            [
              '--import',
              'tsx',
              here('./member-node.ts'),
              kind,
              bootstrap,
              group,
              topic,
              `${sessionMs}`,
              `${heartbeatMs}`,
            ],
          ];
    this.child = spawn(command, args, { cwd: root, stdio: 'pipe' });
    track(this.child);
    this.child.on('exit', () => (this.exited = true));
    const trace = process.env.CHURN_TRACE ? path.join(process.env.CHURN_TRACE, `${group}-${id}.log`) : null;
    this.child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-2000);
      if (trace) fs.appendFileSync(trace, chunk);
    });
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      let ev: { ev: string; t: number; partitions?: number[]; recs?: [number, number][] };
      try {
        ev = JSON.parse(line) as typeof ev;
      } catch {
        return; // a client library's own output
      }
      if (ev.ev === 'ready') {
        this.readyAt = ev.t;
      } else if (ev.ev === 'owned') {
        this.owned = ev.partitions!;
        if (this.owned.length > 0 && this.firstOwnedAt === 0) this.firstOwnedAt = ev.t;
      } else if (ev.ev === 'msgs') {
        if (this.firstReadAt === 0 && ev.recs!.length > 0) this.firstReadAt = ev.t;
        for (const [partition, offset] of ev.recs!) sink({ partition, offset, t: ev.t, member: id });
      } else if (ev.ev === 'restart') {
        this.streamRestarts++;
      } else if (ev.ev === 'closed') {
        this.closedAt = ev.t;
      }
    });
  }

  get alive(): boolean {
    return !this.exited && this.closedAt === 0;
  }

  /** A clean leave: the client closes (commit, LeaveGroup) and the process exits. */
  async leave(timeoutMs = 30_000): Promise<void> {
    this.child.stdin.write('close\n');
    await this.exit(timeoutMs);
  }

  /** A crash: no commit, no LeaveGroup; the group finds out when its session times out. */
  async crash(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exit(10_000);
  }

  private async exit(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.exited) {
      if (Date.now() > deadline) {
        this.child.kill('SIGKILL');
        throw new Error(`member ${this.id} (${this.options.kind}) did not exit: ${this.stderr.slice(-300)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  recentErrors(): string {
    return this.stderr.trim().split('\n').slice(-3).join(' | ');
  }
}
