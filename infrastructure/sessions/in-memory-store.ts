import { USED_TOKENS_REMEMBERED_MAX, type SessionStore } from './store';

/** Bounds each map: beyond it the oldest entry goes (a lost family means one more log-in, nothing worse). */
export const IN_MEMORY_SESSIONS_MAX = 100_000;

type Family = { accountId: string; current: string; used: string[]; createdAtMs: number; revoked: boolean; expiresAtMs: number };

/** Embedded mode: one process, so maps with expiry times do what the Redis store's keys and scripts do. */
export const createInMemorySessionStore = (nowMs: () => number = () => Date.now()): SessionStore => {
  const families = new Map<string, Family>();
  const revokedSessions = new Map<string, number>();
  const accountsRevokedBefore = new Map<string, { beforeMs: number; expiresAtMs: number }>();
  const bounded = <K, V>(map: Map<K, V>, key: K, value: V) => {
    if (!map.has(key) && map.size >= IN_MEMORY_SESSIONS_MAX) {
      const oldest = map.keys().next();
      if (!oldest.done) map.delete(oldest.value);
    }
    map.set(key, value);
  };
  const liveFamily = (familyId: string): Family | undefined => {
    const family = families.get(familyId);
    if (family !== undefined && family.expiresAtMs <= nowMs()) { families.delete(familyId); return undefined; }
    return family;
  };
  return {
    createFamily: async (familyId, accountId, tokenHash, createdAtMs, ttlS) => {
      bounded(families, familyId, { accountId, current: tokenHash, used: [], createdAtMs, revoked: false, expiresAtMs: nowMs() + ttlS * 1000 });
    },
    rotate: async (familyId, presentedHash, nextHash) => {
      const family = liveFamily(familyId);
      if (family === undefined) return { kind: 'unknown' };
      if (family.revoked) return { kind: 'revoked' };
      if (family.current === presentedHash) {
        family.used = [...family.used, family.current].slice(-USED_TOKENS_REMEMBERED_MAX);
        family.current = nextHash;
        return { kind: 'rotated', accountId: family.accountId, createdAtMs: family.createdAtMs };
      }
      if (family.used.includes(presentedHash)) {
        family.revoked = true;
        return { kind: 'reused', accountId: family.accountId };
      }
      return { kind: 'unknown' };
    },
    revokeFamily: async (familyId) => {
      const family = liveFamily(familyId);
      if (family !== undefined) family.revoked = true;
    },
    revokeSession: async (sessionId, ttlS) => { bounded(revokedSessions, sessionId, nowMs() + ttlS * 1000); },
    revokeAccountBefore: async (accountId, beforeMs, ttlS) => { bounded(accountsRevokedBefore, accountId, { beforeMs, expiresAtMs: nowMs() + ttlS * 1000 }); },
    revocationOf: async (sessionId, accountId) => {
      const now = nowMs();
      const sessionUntil = sessionId === undefined ? undefined : revokedSessions.get(sessionId);
      const account = accountsRevokedBefore.get(accountId);
      return {
        sessionRevoked: sessionUntil !== undefined && sessionUntil > now,
        accountRevokedBeforeMs: account !== undefined && account.expiresAtMs > now ? account.beforeMs : undefined,
      };
    },
    close: async () => { families.clear(); revokedSessions.clear(); accountsRevokedBefore.clear(); },
  };
};
