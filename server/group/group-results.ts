/**
 * What the coordinator answers JoinGroup and SyncGroup with, before the handlers shape it for a
 * version: field names follow the response schemas so a handler can pass them straight through.
 */
import { ErrorCode } from '../protocol/error-codes.js';

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
