import jwt from 'jsonwebtoken';

/** Pinned: a token signed with any other algorithm (or `none`) is refused. */
export const JWT_ALGORITHM = 'HS256' as const;
export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
export const JWT_ISSUER = 'brokerage';

export type AccessClaims = { readonly accountId: string };

export const signAccessToken = (claims: AccessClaims, secret: string, ttlSeconds: number = ACCESS_TOKEN_TTL_SECONDS): string =>
  jwt.sign({}, secret, { algorithm: JWT_ALGORITHM, subject: claims.accountId, expiresIn: ttlSeconds, issuer: JWT_ISSUER });

/** The claims of a valid token, or undefined for anything else (expired, forged, wrong algorithm, malformed). */
export const verifyAccessToken = (token: string, secret: string): AccessClaims | undefined => {
  try {
    const payload = jwt.verify(token, secret, { algorithms: [JWT_ALGORITHM], issuer: JWT_ISSUER });
    if (typeof payload === 'string' || typeof payload.sub !== 'string' || payload.sub.length === 0) return undefined;
    return { accountId: payload.sub };
  } catch {
    return undefined;
  }
};
