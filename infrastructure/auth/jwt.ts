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

/**
 * `sessionId` names the log-in the token belongs to (`sid`), so logging out can refuse it at once.
 * `roles`: what the user may do besides trading their own account (`compliance`); absent for a client.
 */
export type AccessClaims = { readonly accountId: string; readonly sessionId?: string; readonly roles?: readonly string[] };
/** What a verified token says: whose it is, which session, when it was issued and until when it holds (long-lived sockets close then). */
export type VerifiedAccess = AccessClaims & { readonly expiresAtMs: number; readonly issuedAtMs?: number };

/**
 * `iat` is whole seconds; `iat_ms` says the millisecond, so "every token issued before the password
 * change" is exact, even for a log-in in the same second as the change.
 */
export const signAccessToken = (claims: AccessClaims, secret: string, ttlSeconds: number = ACCESS_TOKEN_TTL_SECONDS): string => {
  const issuedAtMs = Date.now();
  return jwt.sign({
    iat: Math.floor(issuedAtMs / 1000), iat_ms: issuedAtMs,
    ...(claims.sessionId === undefined ? {} : { sid: claims.sessionId }),
    ...(claims.roles !== undefined && claims.roles.length > 0 ? { roles: [...claims.roles] } : {}),
  }, secretKeyOf(secret), {
    algorithm: JWT_ALGORITHM, subject: claims.accountId, expiresIn: Math.min(ttlSeconds, ACCESS_TOKEN_TTL_SECONDS), issuer: JWT_ISSUER,
  });
};

/** The claims of a valid token, or undefined: every check, no cache. */
const verifyAccessTokenOnce = (token: string, secret: string): VerifiedAccess | undefined => {
  try {
    // A token must say when it was issued, and live no longer than we ever issue one for: a token signed
    // for a hundred years (a leaked key's work, or an old bug's) is refused even with a good signature.
    const payload = jwt.verify(token, secretKeyOf(secret), { algorithms: [JWT_ALGORITHM], issuer: JWT_ISSUER, maxAge: ACCESS_TOKEN_TTL_SECONDS });
    if (typeof payload === 'string' || typeof payload.sub !== 'string' || payload.sub.length === 0 || typeof payload.exp !== 'number') return undefined;
    if (typeof payload.iat !== 'number' || payload.exp - payload.iat > ACCESS_TOKEN_TTL_SECONDS) return undefined;
    const { sid: sessionId, iat_ms: issuedAtMsClaim, roles } = payload as Record<string, unknown>;
    const issuedAtMs = typeof issuedAtMsClaim === 'number' && Math.floor(issuedAtMsClaim / 1000) === payload.iat ? issuedAtMsClaim : payload.iat * 1000;
    const granted = Array.isArray(roles) ? roles.filter((r): r is string => typeof r === 'string') : [];
    return {
      accountId: payload.sub, expiresAtMs: payload.exp * 1000, issuedAtMs,
      ...(typeof sessionId === 'string' ? { sessionId } : {}),
      ...(granted.length > 0 ? { roles: granted } : {}),
    };
  } catch {
    return undefined;
  }
};

/**
 * Tokens already verified, until they expire: a client presents the same token on every request for its
 * lifetime, and checking its HMAC and claims again each time was most of a read's authentication cost.
 * Keyed by the exact token string and held with its secret; only valid tokens enter (a forged one is checked
 * every time). Bounded: when full, the oldest entry leaves. Revocation is not cached: the bearer check asks
 * the session store on every request.
 */
const verified = new Map<string, { readonly secret: string; readonly claims: VerifiedAccess }>();
export const VERIFIED_TOKENS_CACHED_MAX = 10_000;

/** The claims of a valid token, or undefined for anything else (expired, forged, wrong algorithm, malformed). */
export const verifyAccessToken = (token: string, secret: string): VerifiedAccess | undefined => {
  const cached = verified.get(token);
  // jsonwebtoken's own expiry rule: whole seconds, expired from the second `exp` on.
  if (cached !== undefined && cached.secret === secret && Math.floor(Date.now() / 1000) * 1000 < cached.claims.expiresAtMs) return cached.claims;
  if (cached !== undefined) verified.delete(token);
  const claims = verifyAccessTokenOnce(token, secret);
  if (claims !== undefined) {
    if (verified.size >= VERIFIED_TOKENS_CACHED_MAX) verified.delete(verified.keys().next().value!);
    verified.set(token, { secret, claims });
  }
  return claims;
};
