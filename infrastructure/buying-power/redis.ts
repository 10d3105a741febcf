import type { Redis } from 'ioredis';
import { paddedPosition, type BuyingPowerEntry, type BuyingPowerStore } from './port';

/** Entries per EVAL: one script call per batch chunk keeps Redis responsive to readers in between. */
export const WRITE_CHUNK_ENTRIES = 500;
/** SCAN rounds when dropping a replaced generation; each round asks for SCAN_COUNT keys. */
export const DROP_SCAN_ROUNDS_MAX = 100_000;
const SCAN_COUNT = 1_000;

// Guarded overwrite: an entry is replaced only by one of a later position, so a replayed older batch changes nothing.
const WRITE_SCRIPT = `
for i, key in ipairs(KEYS) do
  local base = (i - 1) * 4
  local pos = ARGV[base + 1]
  local current = redis.call('HGET', key, 'pos')
  if (not current) or current < pos then
    redis.call('HSET', key, 'pos', pos, 'bp', ARGV[base + 2], 'r', ARGV[base + 3], 'rev', ARGV[base + 4])
  end
end
return 0`;

// The active generation and the entry in one round trip: the pre-check sits on the order path.
const READ_SCRIPT = `
local generation = redis.call('GET', KEYS[1])
if not generation then return nil end
return redis.call('HMGET', ARGV[1] .. generation .. ':' .. ARGV[2], 'bp', 'r', 'rev', 'pos')`;

/**
 * Keys: `<prefix>bp:active` names the generation readers use; `<prefix>bp:g:<generation>:<accountId>` is a hash
 * { bp, r (restricted 0/1), rev, pos (zero-padded) }.
 */
export const createRedisBuyingPowerStore = (redis: Redis, keyPrefix: string): BuyingPowerStore => {
  const activeKey = `${keyPrefix}bp:active`;
  const generationPrefix = `${keyPrefix}bp:g:`;
  const entryKey = (generation: string, accountId: string) => `${generationPrefix}${generation}:${accountId}`;
  const toEntry = (accountId: string, fields: ReadonlyArray<string | null>): BuyingPowerEntry | undefined => {
    const [bp, restricted, revision, position] = fields;
    if (bp == null || restricted == null || revision == null || position == null) return undefined;
    return { accountId, buyingPower: bp, restricted: restricted === '1', revision: BigInt(revision), position: BigInt(position) };
  };
  return {
    write: async (generation, entries) => {
      for (let start = 0; start < entries.length; start += WRITE_CHUNK_ENTRIES) {
        const chunk = entries.slice(start, start + WRITE_CHUNK_ENTRIES);
        await redis.eval(WRITE_SCRIPT, chunk.length, ...chunk.map((e) => entryKey(generation, e.accountId)),
          ...chunk.flatMap((e) => [paddedPosition(e.position), e.buyingPower, e.restricted ? '1' : '0', e.revision.toString()]));
      }
    },
    read: async (accountId) => toEntry(accountId, (await redis.eval(READ_SCRIPT, 1, activeKey, generationPrefix, accountId)) as Array<string | null> | null ?? []),
    readGeneration: async (generation, accountId) => toEntry(accountId, await redis.hmget(entryKey(generation, accountId), 'bp', 'r', 'rev', 'pos')),
    activate: async (generation) => {
      const replaced = await redis.set(activeKey, generation, 'GET');
      if (replaced === null || replaced === generation) return;
      let cursor = '0';
      for (let round = 0; round < DROP_SCAN_ROUNDS_MAX; round += 1) {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${generationPrefix}${replaced}:*`, 'COUNT', SCAN_COUNT);
        if (keys.length > 0) await redis.unlink(...keys);
        cursor = next;
        if (cursor === '0') return;
      }
    },
    activeGeneration: async () => (await redis.get(activeKey)) ?? undefined,
  };
};
