/**
 * One group under churn: members of the given clients join, leave and crash on a seeded schedule
 * while the load runs; every record each member reads is logged with its time, and each event is
 * remembered with what the departing member owned, for measure.ts to turn into figures.
 */
import { MemberProcess, type Assignor, type ClientKind, type MemberOptions } from './member-process.js';
import { ReadLog, type ChurnEvent } from './measure.js';
import { ChurnSchedule, mayDepart } from './schedule.js';

export interface GroupRunOptions {
  /** The name in the report, e.g. "librdkafka eager". */
  label: string;
  group: string;
  topic: string;
  partitions: number;
  bootstrap: string;
  /** The clients whose members join, picked at random for each join. */
  clients: ClientKind[];
  assignor: Assignor;
  events: number;
  seed: number;
  intervalMs: number;
  sessionMs: number;
  heartbeatMs: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class GroupRun {
  readonly log: ReadLog;
  readonly events: ChurnEvent[] = [];
  readonly members: MemberProcess[] = [];
  /** The span of the churn (unix ms): from the first event to the end of the settling after the last. */
  churnFrom = 0;
  churnTo = 0;
  private readonly schedule: ChurnSchedule;

  constructor(readonly options: GroupRunOptions) {
    this.log = new ReadLog(options.partitions);
    this.schedule = new ChurnSchedule({ seed: options.seed, intervalMs: options.intervalMs, min: 1, max: 4 });
  }

  private start(kind: ClientKind): MemberProcess {
    const { assignor, bootstrap, group, topic, sessionMs, heartbeatMs } = this.options;
    const memberOptions: MemberOptions = { kind, assignor, bootstrap, group, topic, sessionMs, heartbeatMs };
    const member = new MemberProcess(this.members.length, memberOptions, (r) => this.log.add(r));
    this.members.push(member);
    return member;
  }

  live(): MemberProcess[] {
    return this.members.filter((m) => m.alive);
  }

  /** Two members sharing every partition, each reading: the state every run starts from. */
  async settle(timeoutMs = 60_000): Promise<void> {
    this.start(this.schedule.pick(this.options.clients));
    this.start(this.schedule.pick(this.options.clients));
    const deadline = Date.now() + timeoutMs;
    const settled = (): boolean => {
      const owned = new Set(this.live().flatMap((m) => m.owned));
      return owned.size === this.options.partitions && this.live().every((m) => m.owned.length > 0);
    };
    while (!settled()) {
      if (Date.now() > deadline)
        throw new Error(
          `${this.options.label}: the first two members never shared the partitions (${this.errors()})`,
        );
      await sleep(100);
    }
  }

  /** The scheduled events, one after the other, then time for the last one to settle. */
  async churn(settleMs: number): Promise<void> {
    for (let i = 0; i < this.options.events; i++) {
      await sleep(this.schedule.nextDelayMs());
      if (i === 0) this.churnFrom = Date.now();
      const live = this.live();
      let kind = this.schedule.nextKind(live.length);
      let settled = live.filter(mayDepart);
      // A departure waits (up to an interval) for a member that has read from its partitions,
      // rather than turning into a join that could take the group past its largest size.
      for (
        let waited = 0;
        kind !== 'join' && settled.length === 0 && waited < this.options.intervalMs;
        waited += 100
      ) {
        await sleep(100);
        settled = this.live().filter(mayDepart);
      }
      if (kind !== 'join' && (settled.length === 0 || live.length <= 1)) kind = 'join';
      if (kind === 'join') {
        const member = this.start(this.schedule.pick(this.options.clients));
        this.events.push({ kind, t0: member.startedAt, member: member.id, partitions: [] });
        continue;
      }
      const member = this.schedule.pick(settled);
      const t0 = Date.now();
      this.events.push({ kind, t0, member: member.id, partitions: [...member.owned] });
      if (kind === 'leave') await member.leave();
      else await member.crash();
    }
    await sleep(settleMs);
    this.churnTo = Date.now();
  }

  /** Closes every member still running (each commits and leaves). */
  async stop(): Promise<void> {
    await Promise.all(this.live().map((m) => m.leave().catch(() => m.crash())));
  }

  errors(): string {
    return (
      this.members
        .map((m) => m.recentErrors())
        .filter(Boolean)
        .join('; ') || 'no client errors'
    );
  }
}
