import { createHash, randomBytes, randomUUID } from 'node:crypto';
import * as E from 'fp-ts/Either';
import { ACCESS_TOKEN_TTL_SECONDS, signAccessToken } from '../../infrastructure/auth/jwt';
import { apiError, type ApiError } from '../../infrastructure/http/errors';
import type { RevocationNotifier } from '../../infrastructure/sessions/revocation-notice';
import type { SessionStore } from '../../infrastructure/sessions/store';

/** A refresh token lives at most this long from its log-in, however often it is rotated. */
export const REFRESH_TOKEN_TTL_S = 30 * 24 * 60 * 60;
const REFRESH_SECRET_BYTES = 32;
const REFRESH_TOKEN_PATTERN = /^([0-9a-f-]{36})\.([A-Za-z0-9_-]{43})$/;

export type IssuedSession = { readonly accountId: string; readonly sessionId: string; readonly token: string; readonly refreshToken: string };
export type RefreshRefusal = ApiError & { readonly reusedBy?: { readonly accountId: string; readonly sessionId: string } };

/** 256 random bits need no salt or slow hash: SHA-256 keeps a stolen store from being a list of live tokens. */
const hashOf = (secret: string): string => createHash('sha256').update(secret).digest('hex');
const newSecret = (): string => randomBytes(REFRESH_SECRET_BYTES).toString('base64url');

/**
 * Sessions as the API hands them out: a short access JWT naming its session (`sid`), and an opaque refresh
 * token `<session id>.<secret>`, rotated on every use.
 */
export type SessionOptions = {
  /**
   * The roles a refreshed token carries, read from the user's stream at each refresh: a role granted
   * since the log-in shows from the next refresh on, and a compliance officer's refreshed token keeps its role.
   */
  readonly rolesOf?: (accountId: string) => Promise<readonly string[]>;
  /** Told of every revocation, so streaming nodes close the sessions' sockets at once. */
  readonly onRevoked?: RevocationNotifier;
  /** Token times (`iat`, `exp`) are the wall clock's, so revocation bounds are too: never a test's or a job's clock. */
  readonly wallClockMs?: () => number;
};

export const createSessions = (store: SessionStore, jwtSecret: string, options: SessionOptions = {}) => {
  const wallClockMs = options.wallClockMs ?? (() => Date.now());
  const rolesOf = options.rolesOf ?? (async () => []);
  const notify = options.onRevoked ?? (() => undefined);
  const access = (accountId: string, sessionId: string, roles: readonly string[] = []) => signAccessToken({ accountId, sessionId, roles }, jwtSecret);

  /** `roles` ride in this log-in's access token (and, read afresh, in each refreshed one). */
  const start = async (accountId: string, roles: readonly string[] = []): Promise<IssuedSession> => {
    const sessionId = randomUUID();
    const secret = newSecret();
    await store.createFamily(sessionId, accountId, hashOf(secret), wallClockMs(), REFRESH_TOKEN_TTL_S);
    return { accountId, sessionId, token: access(accountId, sessionId, roles), refreshToken: `${sessionId}.${secret}` };
  };

  const refresh = async (refreshToken: string): Promise<E.Either<RefreshRefusal, IssuedSession>> => {
    const parsed = REFRESH_TOKEN_PATTERN.exec(refreshToken);
    const invalid = apiError('INVALID_REFRESH_TOKEN', 'the refresh token is unknown, expired or revoked: log in again');
    if (parsed === null) return E.left(invalid);
    const [, sessionId = '', secret = ''] = parsed;
    const next = newSecret();
    const rotated = await store.rotate(sessionId, hashOf(secret), hashOf(next));
    if (rotated.kind === 'reused') {
      // Someone holds a token this family already replaced: the thief or the owner, we cannot tell. End it for both.
      await store.revokeSession(sessionId, ACCESS_TOKEN_TTL_SECONDS);
      notify({ accountId: rotated.accountId, sessionId });
      return E.left({ ...apiError('REFRESH_TOKEN_REUSED', 'this refresh token was already used: the session is revoked, log in again'), reusedBy: { accountId: rotated.accountId, sessionId } });
    }
    if (rotated.kind !== 'rotated') return E.left(invalid);
    const { accountRevokedBeforeMs } = await store.revocationOf(sessionId, rotated.accountId);
    if (accountRevokedBeforeMs !== undefined && rotated.createdAtMs < accountRevokedBeforeMs) {
      await store.revokeFamily(sessionId);
      return E.left(invalid);
    }
    const roles = await rolesOf(rotated.accountId);
    return E.right({ accountId: rotated.accountId, sessionId, token: access(rotated.accountId, sessionId, roles), refreshToken: `${sessionId}.${next}` });
  };

  /** Log-out: the family's refresh token and the session's access tokens stop working at once. */
  const end = async (sessionId: string, accountId: string): Promise<void> => {
    await store.revokeFamily(sessionId);
    await store.revokeSession(sessionId, ACCESS_TOKEN_TTL_SECONDS);
    notify({ accountId, sessionId });
  };

  /** Every session of the account, as after a password change (refresh families by their exact start; access tokens see bearer.ts). */
  const endAll = async (accountId: string): Promise<void> => {
    const beforeMs = wallClockMs();
    await store.revokeAccountBefore(accountId, beforeMs, REFRESH_TOKEN_TTL_S);
    notify({ accountId, issuedBeforeMs: beforeMs });
  };

  return { start, refresh, end, endAll };
};
export type Sessions = ReturnType<typeof createSessions>;
