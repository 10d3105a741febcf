import type { RequestHandler } from 'express';
import { apiError, sendError } from '../http/errors';
import type { SessionStore } from '../sessions/store';
import { DependencyUnavailable } from '../unavailable';
import { verifyAccessToken } from './jwt';

/** Header values longer than this are not tokens we issued; refuse before any parsing. */
export const BEARER_TOKEN_CHARS_MAX = 4_096;

/**
 * Requires `Authorization: Bearer <token>` signed by us (HS256, pinned in jwt.ts), not revoked (logged out,
 * a reused refresh token, a password change), and puts the token's `accountId` (and `sessionId`) on
 * `res.locals`. Handlers take the account only from there, never from the URL or body, so one user cannot
 * act on another's.
 */
export const requireBearer = (jwtSecret: string, sessions?: Pick<SessionStore, 'revocationOf'>): RequestHandler => async (req, res, next) => {
  const header = req.get('authorization') ?? '';
  const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(header);
  const claims = match?.[1] !== undefined && match[1].length <= BEARER_TOKEN_CHARS_MAX ? verifyAccessToken(match[1], jwtSecret) : undefined;
  const refuse = (code: 'UNAUTHENTICATED' | 'TOKEN_REVOKED', message: string) => {
    res.setHeader('WWW-Authenticate', 'Bearer realm="brokerage"');
    sendError(res, apiError(code, message));
  };
  if (claims === undefined) { refuse('UNAUTHENTICATED', header === '' ? 'missing bearer token' : 'invalid or expired bearer token'); return; }
  if (sessions !== undefined) {
    let revocation: Awaited<ReturnType<SessionStore['revocationOf']>>;
    try {
      revocation = await sessions.revocationOf(claims.sessionId, claims.accountId);
    } catch (error) {
      // Without the revocation list a revoked token could not be told from a live one: refuse rather than guess.
      throw new DependencyUnavailable(`session store: ${error instanceof Error ? error.message : String(error)}`);
    }
    const { sessionRevoked, accountRevokedBeforeMs } = revocation;
    if (sessionRevoked || (accountRevokedBeforeMs !== undefined && (claims.issuedAtMs ?? 0) < accountRevokedBeforeMs)) {
      refuse('TOKEN_REVOKED', 'this session was ended (log-out, password change or a reused refresh token): log in again');
      return;
    }
  }
  res.locals.accountId = claims.accountId;
  if (claims.sessionId !== undefined) res.locals.sessionId = claims.sessionId;
  res.locals.roles = claims.roles ?? [];
  next();
};

/** After requireBearer: only a token carrying `role` passes; any other (a client's) gets 403 FORBIDDEN. */
export const requireRole = (role: string): RequestHandler => (_req, res, next) => {
  const roles: unknown = res.locals.roles;
  if (!Array.isArray(roles) || !roles.includes(role)) {
    sendError(res, apiError('FORBIDDEN', `this route needs the ${role} role`));
    return;
  }
  next();
};
