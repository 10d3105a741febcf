import { createSecretKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';

/** Pinned: a token signed with any other algorithm (or `none`) is refused. */
export const JWT_ALGORITHM = 'HS256' as const;
export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
export const JWT_ISSUER = 'brokerage';

/**
 * Given a string, jsonwebtoken first tries to parse it as a public key and throws its way to a secret
 * key on every call (a third of an order's CPU under load). A KeyObject made once per secret skips that.
 */
const keyCache = new Map<string, KeyObject>();
const KEY_CACHE_ENTRIES_MAX = 8;
const secretKeyOf = (secret: string): KeyObject => {
  let key = keyCache.get(secret);
  if (key === undefined) {
    if (keyCache.size >= KEY_CACHE_ENTRIES_MAX) keyCache.clear();
    key = createSecretKey(Buffer.from(secret, 'utf8'));
    keyCache.set(secret, key);
  }
  return key;
};

/** `roles`: what the user may do besides trading their own account (`compliance`); absent for a client. */
export type AccessClaims = { readonly accountId: string; readonly roles?: readonly string[] };
/** What a verified token says: whose it is and until when it holds (long-lived sockets close then). */
export type VerifiedAccess = AccessClaims & { readonly expiresAtMs: number };

export const signAccessToken = (claims: AccessClaims, secret: string, ttlSeconds: number = ACCESS_TOKEN_TTL_SECONDS): string =>
  jwt.sign(claims.roles && claims.roles.length > 0 ? { roles: [...claims.roles] } : {}, secretKeyOf(secret), { algorithm: JWT_ALGORITHM, subject: claims.accountId, expiresIn: ttlSeconds, issuer: JWT_ISSUER });

/** The claims of a valid token, or undefined for anything else (expired, forged, wrong algorithm, malformed). */
export const verifyAccessToken = (token: string, secret: string): VerifiedAccess | undefined => {
  try {
    const payload = jwt.verify(token, secretKeyOf(secret), { algorithms: [JWT_ALGORITHM], issuer: JWT_ISSUER });
    if (typeof payload === 'string' || typeof payload.sub !== 'string' || payload.sub.length === 0 || typeof payload.exp !== 'number') return undefined;
    const roles: unknown = payload.roles;
    const granted = Array.isArray(roles) ? roles.filter((r): r is string => typeof r === 'string') : [];
    return { accountId: payload.sub, ...(granted.length > 0 ? { roles: granted } : {}), expiresAtMs: payload.exp * 1000 };
  } catch {
    return undefined;
  }
};
