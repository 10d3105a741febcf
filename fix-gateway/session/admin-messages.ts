import type { FixFields } from './codec';

/** The session-level (admin) messages of FIX 4.4, as the dictionary names them. */
export type AdminMessage = { readonly msgType: string; readonly name: string; readonly body: FixFields };

export const ADMIN_MSG_TYPES = { Heartbeat: '0', TestRequest: '1', ResendRequest: '2', Reject: '3', SequenceReset: '4', Logout: '5', Logon: 'A' } as const;

/** 373 SessionRejectReason values the session sends. */
export const SessionRejectReason = { RequiredTagMissing: 1, ValueIncorrect: 5, CompIdProblem: 9 } as const;

/** resetSeqNum: ResetSeqNumFlag (141) = Y, both sides start again at 1. */
export const logon = (heartbeatIntervalS: number, resetSeqNum = false): AdminMessage =>
  ({ msgType: 'A', name: 'Logon', body: { EncryptMethod: 0, HeartBtInt: heartbeatIntervalS, ResetSeqNumFlag: resetSeqNum ? 'Y' : undefined } });
export const heartbeat = (testReqId?: string): AdminMessage => ({ msgType: '0', name: 'Heartbeat', body: { TestReqID: testReqId } });
export const testRequest = (testReqId: string): AdminMessage => ({ msgType: '1', name: 'TestRequest', body: { TestReqID: testReqId } });
/** EndSeqNo 0 asks for everything from BeginSeqNo on. */
export const resendRequest = (beginSeqNo: number, endSeqNo = 0): AdminMessage =>
  ({ msgType: '2', name: 'ResendRequest', body: { BeginSeqNo: beginSeqNo, EndSeqNo: endSeqNo } });
export const reject = (refSeqNum: number, reason: number, text: string, refTagId?: number): AdminMessage =>
  ({ msgType: '3', name: 'Reject', body: { RefSeqNum: refSeqNum, RefTagID: refTagId, SessionRejectReason: reason, Text: text } });
export const gapFill = (newSeqNo: number): AdminMessage =>
  ({ msgType: '4', name: 'SequenceReset', body: { GapFillFlag: 'Y', NewSeqNo: newSeqNo } });
export const logout = (text?: string): AdminMessage => ({ msgType: '5', name: 'Logout', body: { Text: text } });
