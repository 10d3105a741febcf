import Redis from 'ioredis';
import { testKeyPrefix } from '../../test/support/pg-database';
import { batchedMget, MGET_KEYS_MAX } from './batched-mget';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('batchedMget (real Redis)', () => {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const prefix = testKeyPrefix('mget');
  /** The real client, counting the MGET commands it is asked for. */
  let mgets = 0;
  const counted = new Proxy(redis, {
    get: (target, key) => (key === 'mget' ? (...keys: string[]) => { mgets += 1; return target.mget(...keys); } : Reflect.get(target, key)),
  });

  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('answers each call made in one turn with its own values, from one MGET of their keys', async () => {
    await redis.mset(`${prefix}a`, '1', `${prefix}b`, '2', `${prefix}c`, '3');
    const mget = batchedMget(counted);
    mgets = 0;
    const answers = await Promise.all([
      mget([`${prefix}a`, `${prefix}b`]),
      mget([`${prefix}b`, `${prefix}missing`, `${prefix}c`]),
      mget([]),
      mget([`${prefix}c`, `${prefix}c`]),
    ]);
    expect(answers).toEqual([['1', '2'], ['2', null, '3'], [], ['3', '3']]);
    expect(mgets).toBe(1);
  });

  it('reads what a write before it in the same turn wrote, and a later turn asks again', async () => {
    const mget = batchedMget(counted);
    void redis.set(`${prefix}a`, 'x');
    expect(await mget([`${prefix}a`])).toEqual(['x']);
    await redis.set(`${prefix}a`, 'y');
    expect(await mget([`${prefix}a`])).toEqual(['y']);
  });

  it('splits a turn holding more keys than one MGET carries', async () => {
    const mget = batchedMget(counted);
    const keys = Array.from({ length: MGET_KEYS_MAX + 5 }, (_, i) => `${prefix}many:${i}`);
    await redis.set(keys[MGET_KEYS_MAX + 2]!, 'late');
    mgets = 0;
    const [values] = await Promise.all([mget(keys.slice(0, 10)), mget(keys)]);
    expect(values).toHaveLength(10);
    expect(mgets).toBe(2);
    expect((await mget(keys))[MGET_KEYS_MAX + 2]).toBe('late');
  });

  it('fails every call of the turn when Redis cannot answer', async () => {
    // Nothing listens on port 1: no connection, and without the offline queue a command fails at once.
    const closed = new Redis('redis://127.0.0.1:1', { maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    closed.on('error', () => {});
    const mget = batchedMget(closed);
    const calls = [mget([`${prefix}a`]), mget([`${prefix}b`])];
    await expect(calls[0]).rejects.toThrow();
    await expect(calls[1]).rejects.toThrow();
    closed.disconnect();
  });
});
