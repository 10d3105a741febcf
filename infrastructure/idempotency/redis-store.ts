import type Redis from 'ioredis';
import { BEGIN_ATTEMPTS_MAX, type BeginOutcome, type IdempotencyRecord, type IdempotencyStore } from './store';

/** Compare-and-set on the owner token: a slow request whose marker expired must not overwrite another's record. */
const COMPLETE_IF_OWNER = `
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
local ok, decoded = pcall(cjson.decode, current)
if not ok or decoded.state ~= 'in_flight' or decoded.owner ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1`;

const DELETE_IF_OWNER = `
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
local ok, decoded = pcall(cjson.decode, current)
if not ok or decoded.state ~= 'in_flight' or decoded.owner ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])`;

const parseRecord = (raw: string): IdempotencyRecord => JSON.parse(raw) as IdempotencyRecord;

/** The Redis adapter. `keyPrefix` keeps tests and tenants apart; the caller owns the client's lifetime unless `ownsClient`. */
export const createRedisIdempotencyStore = (redis: Redis, options: { readonly keyPrefix: string; readonly ownsClient?: boolean }): IdempotencyStore => {
  const k = (key: string) => `${options.keyPrefix}${key}`;
  return {
    async begin(key, marker, inFlightTtlMs): Promise<BeginOutcome> {
      for (let attempt = 1; attempt <= BEGIN_ATTEMPTS_MAX; attempt += 1) {
        const set = await redis.set(k(key), JSON.stringify(marker), 'PX', inFlightTtlMs, 'NX');
        if (set === 'OK') return { kind: 'started' };
        const raw = await redis.get(k(key));
        if (raw !== null) return { kind: 'existing', record: parseRecord(raw) };
      }
      throw new Error(`idempotency key ${key} kept changing under us for ${BEGIN_ATTEMPTS_MAX} attempts`);
    },
    async complete(key, owner, record, ttlMs): Promise<void> {
      await redis.eval(COMPLETE_IF_OWNER, 1, k(key), owner, JSON.stringify(record), String(ttlMs));
    },
    async abandon(key, owner): Promise<void> {
      await redis.eval(DELETE_IF_OWNER, 1, k(key), owner);
    },
    async close(): Promise<void> {
      if (options.ownsClient) await redis.quit();
    },
  };
};
