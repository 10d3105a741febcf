import type { RequestHandler } from 'express';
import { apiError, sendError } from '../http/errors';
import { verifyAccessToken } from './jwt';

/** Header values longer than this are not tokens we issued; refuse before any parsing. */
export const BEARER_TOKEN_CHARS_MAX = 4_096;

/**
 * Requires `Authorization: Bearer <token>` signed by us (HS256, pinned in jwt.ts)
 * and puts the token's `accountId` on `res.locals`. Handlers take the account only
 * from there, never from the URL or body, so one user cannot act on another's.
 */
export const requireBearer = (jwtSecret: string): RequestHandler => (req, res, next) => {
  const header = req.get('authorization') ?? '';
  const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(header);
  const claims = match?.[1] !== undefined && match[1].length <= BEARER_TOKEN_CHARS_MAX ? verifyAccessToken(match[1], jwtSecret) : undefined;
  if (claims === undefined) {
    res.setHeader('WWW-Authenticate', 'Bearer realm="brokerage"');
    sendError(res, apiError('UNAUTHENTICATED', header === '' ? 'missing bearer token' : 'invalid or expired bearer token'));
    return;
  }
  res.locals.accountId = claims.accountId;
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
