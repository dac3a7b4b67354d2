/**
 * A classic consumer group as Kafka's coordinator keeps it: the state machine
 *
 *   Empty -> PreparingRebalance -> CompletingRebalance -> Stable
 *              ^      |   ^                |                 |
 *              |      v   +----------------+-----------------+   (any change rebalances again)
 *              +--- Empty (the last member left)           Dead (deleted, or unloaded)
 *
 * with its members, generation, protocol type, the chosen protocol and the leader. This module is
 * data and the rules about it; the timers and the join/sync protocol live in group-membership.ts.
 */
import type { JoinRequest, JoinResult, Protocol, SyncResult } from './group-results.js';

export type GroupStateName = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

export const GROUP_STATES: readonly GroupStateName[] = [
  'Empty',
  'PreparingRebalance',
  'CompletingRebalance',
  'Stable',
  'Dead',
];

const EMPTY = Buffer.alloc(0);

/** The states each state may be entered from (Kafka's GroupState.validPreviousStates). */
const VALID_PREVIOUS: Record<GroupStateName, readonly GroupStateName[]> = {
  Empty: ['PreparingRebalance'],
  PreparingRebalance: ['Stable', 'CompletingRebalance', 'Empty'],
  CompletingRebalance: ['PreparingRebalance'],
  Stable: ['CompletingRebalance'],
  Dead: ['Stable', 'PreparingRebalance', 'CompletingRebalance', 'Empty', 'Dead'],
};

/** What a new member is made from: its JoinGroup, less what only the join itself uses. */
export type MemberInit = Omit<JoinRequest, 'requireKnownMemberId' | 'supportsSkipAssignment'>;

export class Member {
  memberId: string;
  readonly groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  readonly protocolType: string;
  protocols: Protocol[];
  assignment: Buffer = EMPTY;
  /** Set while the member's JoinGroup waits for the rebalance to complete. */
  awaitingJoin: ((result: JoinResult) => void) | undefined;
  /** Set while the member's SyncGroup waits for the leader's assignment. */
  awaitingSync: ((result: SyncResult) => void) | undefined;
  heartbeatTimer: NodeJS.Timeout | undefined;

  constructor(init: MemberInit) {
    this.memberId = init.memberId;
    this.groupInstanceId = init.groupInstanceId;
    this.clientId = init.clientId;
    this.clientHost = init.clientHost;
    this.sessionTimeoutMs = init.sessionTimeoutMs;
    this.rebalanceTimeoutMs = init.rebalanceTimeoutMs;
    this.protocolType = init.protocolType;
    this.protocols = init.protocols;
  }

  metadataFor(protocol: string | null): Buffer {
    return this.protocols.find((p) => p.name === protocol)?.metadata ?? EMPTY;
  }

  /** Same protocols with the same metadata, in the same order: a rejoin that changes nothing. */
  matches(protocols: Protocol[]): boolean {
    return (
      protocols.length === this.protocols.length &&
      protocols.every(
        (p, i) => p.name === this.protocols[i]!.name && p.metadata.equals(this.protocols[i]!.metadata),
      )
    );
  }

  clearHeartbeat(): void {
    if (this.heartbeatTimer) clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
  }
}

export class Group {
  private stateName: GroupStateName;
  /** When the group entered its state: offsets of an Empty group expire relative to it. */
  stateTimestamp: number;
  generationId = 0;
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  readonly members = new Map<string, Member>();
  /** Member ids handed out with MEMBER_ID_REQUIRED, each expiring after its session timeout. */
  readonly pendingMembers = new Map<string, NodeJS.Timeout>();
  private readonly staticMembers = new Map<string, string>();
  /** The delayed join (initial delay or rebalance timeout) of the rebalance under way. */
  joinTimer: NodeJS.Timeout | undefined;
  /** True while the first rebalance of an Empty group waits out group.initial.rebalance.delay.ms. */
  initialDelay = false;
  /** A member joined during the initial delay: the delay is extended once more. */
  newMemberAdded = false;

  constructor(
    readonly groupId: string,
    state: 'Empty' | 'Stable' = 'Empty',
    now = Date.now(),
  ) {
    this.stateName = state;
    this.stateTimestamp = now;
  }

  get state(): GroupStateName {
    return this.stateName;
  }

  is(state: GroupStateName): boolean {
    return this.stateName === state;
  }

  transitionTo(state: GroupStateName, now = Date.now()): void {
    if (!VALID_PREVIOUS[state].includes(this.stateName))
      throw new Error(`group ${this.groupId}: illegal transition ${this.stateName} -> ${state}`);
    this.stateName = state;
    this.stateTimestamp = now;
  }

  has(memberId: string): boolean {
    return this.members.has(memberId);
  }

  get(memberId: string): Member | undefined {
    return this.members.get(memberId);
  }

  /** Adds a member; the first member of an empty group fixes the protocol type and leads. */
  add(member: Member): void {
    if (this.members.size === 0) this.protocolType = member.protocolType;
    this.leaderId ??= member.memberId;
    this.members.set(member.memberId, member);
    if (member.groupInstanceId !== null) this.staticMembers.set(member.groupInstanceId, member.memberId);
  }

  /** Removes a member; a leader that goes hands the lead to the next member, as Kafka does. */
  remove(memberId: string): Member | undefined {
    const member = this.members.get(memberId);
    if (!member) return undefined;
    member.clearHeartbeat();
    this.members.delete(memberId);
    if (member.groupInstanceId !== null && this.staticMembers.get(member.groupInstanceId) === memberId)
      this.staticMembers.delete(member.groupInstanceId);
    if (this.leaderId === memberId) this.leaderId = this.members.keys().next().value ?? null;
    return member;
  }

  staticMemberId(groupInstanceId: string | null): string | undefined {
    return groupInstanceId === null ? undefined : this.staticMembers.get(groupInstanceId);
  }

  /** A request naming a group instance id that now belongs to another member id is a zombie's. */
  isStaticMemberFenced(memberId: string, groupInstanceId: string | null): boolean {
    const current = this.staticMemberId(groupInstanceId);
    return current !== undefined && current !== memberId;
  }

  /** A static member rejoined without its id: the same member (and assignment) under a new id. */
  replaceStaticMember(groupInstanceId: string, oldId: string, newId: string): Member {
    const member = this.members.get(oldId);
    if (!member) throw new Error(`group ${this.groupId}: no member ${oldId}`);
    this.members.delete(oldId);
    member.memberId = newId;
    this.members.set(newId, member);
    this.staticMembers.set(groupInstanceId, newId);
    if (this.leaderId === oldId) this.leaderId = newId;
    return member;
  }

  /**
   * Whether a member with these protocols may join: an empty group takes any (non-empty) type
   * and protocol list; otherwise the type must match and one protocol be shared by everyone.
   */
  supportsProtocols(protocolType: string, protocols: Protocol[]): boolean {
    if (this.members.size === 0) return protocolType.length > 0 && protocols.length > 0;
    if (this.protocolType !== protocolType) return false;
    const candidates = this.candidateProtocols();
    return protocols.some((p) => candidates.has(p.name));
  }

  /** Protocols every member supports. */
  candidateProtocols(): Set<string> {
    let candidates: Set<string> | undefined;
    for (const member of this.members.values()) {
      const names = new Set(member.protocols.map((p) => p.name));
      candidates = candidates ? new Set([...candidates].filter((n) => names.has(n))) : names;
    }
    return candidates ?? new Set();
  }

  /** Kafka's vote: each member votes for its most preferred candidate; most votes wins. */
  selectProtocol(): string | null {
    const candidates = this.candidateProtocols();
    const votes = new Map<string, number>();
    for (const member of this.members.values()) {
      const choice = member.protocols.find((p) => candidates.has(p.name))?.name;
      if (choice !== undefined) votes.set(choice, (votes.get(choice) ?? 0) + 1);
    }
    let best: string | null = null;
    let bestVotes = 0;
    for (const [name, count] of votes) {
      if (count > bestVotes) {
        best = name;
        bestVotes = count;
      }
    }
    return best;
  }

  /** Every member has sent its JoinGroup for this rebalance and no member id is still pending. */
  allMembersJoined(): boolean {
    if (this.pendingMembers.size > 0) return false;
    for (const member of this.members.values()) if (!member.awaitingJoin) return false;
    return true;
  }

  notYetRejoined(): Member[] {
    return [...this.members.values()].filter((m) => !m.awaitingJoin);
  }

  /** The rebalance waits for the slowest member's rebalance timeout. */
  maxRebalanceTimeoutMs(): number {
    let max = 0;
    for (const member of this.members.values()) max = Math.max(max, member.rebalanceTimeoutMs);
    return max;
  }

  /** The members list the leader gets in its JoinGroup response. */
  joinMembers(): { memberId: string; groupInstanceId: string | null; metadata: Buffer }[] {
    return [...this.members.values()].map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      metadata: m.metadataFor(this.protocolName),
    }));
  }

  clearTimers(): void {
    if (this.joinTimer) clearTimeout(this.joinTimer);
    this.joinTimer = undefined;
    for (const timer of this.pendingMembers.values()) clearTimeout(timer);
    this.pendingMembers.clear();
    for (const member of this.members.values()) member.clearHeartbeat();
  }
}

/**
 * Topics a consumer-protocol group subscribes to, from each member's subscription (version
 * int16, topics [string], ...); undefined when the group is not a consumer group or a
 * subscription cannot be read, since then nothing can be said.
 */
export function subscribedTopics(group: Group): Set<string> | undefined {
  if (group.protocolType !== 'consumer' || group.protocolName === null) return undefined;
  const topics = new Set<string>();
  try {
    for (const member of group.members.values()) {
      const meta = member.metadataFor(group.protocolName);
      let pos = 2;
      const count = meta.readInt32BE(pos);
      pos += 4;
      for (let i = 0; i < count; i++) {
        const length = meta.readInt16BE(pos);
        pos += 2;
        if (length < 0 || pos + length > meta.length) return undefined;
        topics.add(meta.toString('utf8', pos, pos + length));
        pos += length;
      }
    }
  } catch {
    return undefined;
  }
  return topics;
}
