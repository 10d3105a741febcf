/**
 * Sessions: refresh-token families and the revocation list of access tokens. A family is one log-in; each
 * refresh rotates its token (only the SHA-256 of a token is kept) and remembers the ones it replaced, so a
 * replaced token coming back (stolen, replayed) revokes the whole family. The revocation list is bounded by
 * the access token's lifetime: an entry outlives every token it could refuse, then expires.
 */
export type RotateOutcome =
  | { readonly kind: 'rotated'; readonly accountId: string; readonly createdAtMs: number }
  | { readonly kind: 'reused'; readonly accountId: string }
  | { readonly kind: 'revoked' }
  | { readonly kind: 'unknown' };

export interface SessionStore {
  createFamily(familyId: string, accountId: string, tokenHash: string, nowMs: number, ttlS: number): Promise<void>;
  /** Atomically: the presented hash is the family's current one → replaced by `nextHash`; an earlier one → the family is revoked. */
  rotate(familyId: string, presentedHash: string, nextHash: string): Promise<RotateOutcome>;
  revokeFamily(familyId: string): Promise<void>;
  /** Refuses the access tokens of this session from now until `ttlS` (their lifetime) has passed. */
  revokeSession(sessionId: string, ttlS: number): Promise<void>;
  /** Refuses every access token and refresh family of the account issued before `beforeMs`. */
  revokeAccountBefore(accountId: string, beforeMs: number, ttlS: number): Promise<void>;
  /** What the bearer check needs, in one round trip. */
  revocationOf(sessionId: string | undefined, accountId: string): Promise<{ readonly sessionRevoked: boolean; readonly accountRevokedBeforeMs: number | undefined }>;
  close(): Promise<void>;
}

/** Replaced tokens remembered per family, to recognise a reuse; older ones are merely unknown. */
export const USED_TOKENS_REMEMBERED_MAX = 50;
