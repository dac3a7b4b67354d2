/**
 * What JoinGroup and SyncGroup ask the coordinator and what it answers, before the handlers shape
 * it for a version: field names follow the schemas so a handler can pass them straight through.
 */
import { ErrorCode } from '../protocol/error-codes.js';
import type { JoinGroupApi } from '../protocol/apis/join-group.js';
import type { SyncGroupApi } from '../protocol/apis/sync-group.js';
import type { RequestOf } from '../protocol/message-types.js';

/** One protocol a member offers in JoinGroup (name, and its subscription metadata). */
export type Protocol = RequestOf<typeof JoinGroupApi>['protocols'][number];

export interface JoinRequest {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: Protocol[];
  /** JoinGroup v4+: a member without an id gets MEMBER_ID_REQUIRED first (KIP-394). */
  requireKnownMemberId: boolean;
  /** JoinGroup v9+: a restarted static leader is told to skip the assignment (KIP-814). */
  supportsSkipAssignment?: boolean;
}

/** A SyncGroup request as the schema describes it, the group id aside. */
export type SyncRequest = Omit<RequestOf<typeof SyncGroupApi>, 'groupId'>;

export interface JoinMember {
  memberId: string;
  groupInstanceId: string | null;
  metadata: Buffer;
}

export interface JoinResult {
  errorCode: number;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leader: string;
  memberId: string;
  members: JoinMember[];
  /** JoinGroup v9+ (KIP-814): the leader gets the members but must not assign (a static rejoin). */
  skipAssignment: boolean;
}

export interface SyncResult {
  errorCode: number;
  protocolType: string | null;
  protocolName: string | null;
  assignment: Buffer;
}

export interface LeaveResult {
  memberId: string;
  groupInstanceId: string | null;
  errorCode: number;
}

const EMPTY = Buffer.alloc(0);

export function joinError(errorCode: number, memberId = ''): JoinResult {
  return {
    errorCode,
    generationId: -1,
    protocolType: null,
    protocolName: null,
    leader: '',
    memberId,
    members: [],
    skipAssignment: false,
  };
}

export function syncError(errorCode: number): SyncResult {
  return { errorCode, protocolType: null, protocolName: null, assignment: EMPTY };
}

/**
 * What the answers read of a group (group-state.ts's Group has it; named here, not imported,
 * so that this file and group-state.ts do not import each other).
 */
export interface GenerationOf {
  readonly generationId: number;
  readonly protocolType: string | null;
  readonly protocolName: string | null;
  readonly leaderId: string | null;
  joinMembers(): JoinMember[];
}

/** A member's JoinGroup answer for the group's new generation (the leader gets every member). */
export function joinSuccess(group: GenerationOf, member: { readonly memberId: string }): JoinResult {
  return {
    errorCode: ErrorCode.NONE,
    generationId: group.generationId,
    protocolType: group.protocolType,
    protocolName: group.protocolName,
    leader: group.leaderId ?? '',
    memberId: member.memberId,
    members: member.memberId === group.leaderId ? group.joinMembers() : [],
    skipAssignment: false,
  };
}

export function syncSuccess(group: GenerationOf, assignment: Buffer): SyncResult {
  return {
    errorCode: ErrorCode.NONE,
    protocolType: group.protocolType,
    protocolName: group.protocolName,
    assignment,
  };
}
