import type { Bus } from '../bus/port';

/**
 * Tells the streaming nodes that sessions ended, so their sockets close at once instead of at token
 * expiry: one session (log-out, a reused refresh token) or every token of the account issued before
 * an instant (a password change). Fire-and-forget like the rest of the bus: a node that misses a notice
 * still closes the socket when its token expires, and a revoked token opens no new socket on a node
 * that checks the revocation list.
 */
export const REVOCATION_SUBJECT = 'auth.revoked';

export type RevocationNotice = { readonly accountId: string; readonly sessionId?: string; readonly issuedBeforeMs?: number };
export type RevocationNotifier = (notice: RevocationNotice) => void;

export const revocationNotifierOn = (bus: Bus): RevocationNotifier => (notice) => {
  bus.publish(REVOCATION_SUBJECT, new TextEncoder().encode(JSON.stringify(notice)));
};

/** The notice in a bus message, or undefined for anything else (one bad publisher must not break a node). */
export const decodeRevocationNotice = (data: Uint8Array): RevocationNotice | undefined => {
  try {
    const raw: unknown = JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8'));
    if (typeof raw !== 'object' || raw === null) return undefined;
    const { accountId, sessionId, issuedBeforeMs } = raw as Record<string, unknown>;
    if (typeof accountId !== 'string') return undefined;
    return {
      accountId,
      ...(typeof sessionId === 'string' ? { sessionId } : {}),
      ...(typeof issuedBeforeMs === 'number' ? { issuedBeforeMs } : {}),
    };
  } catch {
    return undefined;
  }
};
