import type Redis from 'ioredis';
import { batchedMget } from '../redis/batched-mget';
import { USED_TOKENS_REMEMBERED_MAX, type RotateOutcome, type SessionStore } from './store';

/** Compare-and-rotate in one step, so two refreshes with one token cannot both win. */
const ROTATE = `
local raw = redis.call('GET', KEYS[1])
if not raw then return {'unknown'} end
local f = cjson.decode(raw)
if f.revoked then return {'revoked'} end
if f.current == ARGV[1] then
  local used = f.used
  if type(used) ~= 'table' then used = {} end
  table.insert(used, f.current)
  while #used > tonumber(ARGV[3]) do table.remove(used, 1) end
  f.used = used
  f.current = ARGV[2]
  redis.call('SET', KEYS[1], cjson.encode(f), 'KEEPTTL')
  return {'rotated', f.accountId, tostring(f.createdAtMs)}
end
if type(f.used) == 'table' then
  for _, h in ipairs(f.used) do
    if h == ARGV[1] then
      f.revoked = true
      redis.call('SET', KEYS[1], cjson.encode(f), 'KEEPTTL')
      return {'reused', f.accountId}
    end
  end
end
return {'unknown'}`;

const REVOKE_FAMILY = `
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local f = cjson.decode(raw)
f.revoked = true
redis.call('SET', KEYS[1], cjson.encode(f), 'KEEPTTL')
return 1`;

/** Distributed mode: every API node sees the same families and revocations. `keyPrefix` keeps tests apart. */
export const createRedisSessionStore = (redis: Redis, options: { readonly keyPrefix: string; readonly ownsClient?: boolean }): SessionStore => {
  const family = (id: string) => `${options.keyPrefix}family:${id}`;
  const session = (id: string) => `${options.keyPrefix}revoked:${id}`;
  const account = (id: string) => `${options.keyPrefix}revoked-before:${id}`;
  // Every request's bearer check asks: the checks of one event-loop turn share one MGET.
  const mget = batchedMget(redis);
  return {
    createFamily: async (familyId, accountId, tokenHash, createdAtMs, ttlS) => {
      await redis.set(family(familyId), JSON.stringify({ accountId, current: tokenHash, used: [], createdAtMs, revoked: false }), 'EX', ttlS);
    },
    rotate: async (familyId, presentedHash, nextHash): Promise<RotateOutcome> => {
      const [kind, accountId, createdAtMs] = await redis.eval(ROTATE, 1, family(familyId), presentedHash, nextHash, String(USED_TOKENS_REMEMBERED_MAX)) as string[];
      if (kind === 'rotated' && accountId !== undefined) return { kind, accountId, createdAtMs: Number(createdAtMs) };
      if (kind === 'reused' && accountId !== undefined) return { kind, accountId };
      return kind === 'revoked' ? { kind } : { kind: 'unknown' };
    },
    revokeFamily: async (familyId) => { await redis.eval(REVOKE_FAMILY, 1, family(familyId)); },
    revokeSession: async (sessionId, ttlS) => { await redis.set(session(sessionId), '1', 'EX', ttlS); },
    revokeAccountBefore: async (accountId, beforeMs, ttlS) => { await redis.set(account(accountId), String(beforeMs), 'EX', ttlS); },
    revocationOf: async (sessionId, accountId) => {
      const [revoked, before] = await mget([sessionId === undefined ? `${options.keyPrefix}revoked:-` : session(sessionId), account(accountId)]);
      return { sessionRevoked: revoked !== null && sessionId !== undefined, accountRevokedBeforeMs: before === null || before === undefined ? undefined : Number(before) };
    },
    close: async () => { if (options.ownsClient) await redis.quit(); },
  };
};
