import Redis from 'ioredis';
import { testKeyPrefix } from '../../test/support/pg-database';
import { createInMemoryIdempotencyStore } from './in-memory-store';
import { createRedisIdempotencyStore } from './redis-store';
import type { IdempotencyStore } from './store';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const response = { status: 201, body: '{"ok":true}', headers: { 'content-type': 'application/json' } };

const contract = (name: string, make: () => { store: IdempotencyStore; cleanup(): Promise<void> }) => {
  describe(name, () => {
    let env: ReturnType<typeof make>;
    beforeEach(() => { env = make(); });
    afterEach(async () => { await env.cleanup(); });

    it('claims a key once, then shows the marker, then the stored response', async () => {
      const marker = { state: 'in_flight' as const, fingerprint: 'f1', owner: 'o1' };
      expect(await env.store.begin('k', marker, 10_000)).toEqual({ kind: 'started' });
      expect(await env.store.begin('k', { ...marker, owner: 'o2' }, 10_000)).toEqual({ kind: 'existing', record: marker });
      await env.store.complete('k', 'o1', { state: 'done', fingerprint: 'f1', response }, 60_000);
      expect(await env.store.begin('k', { ...marker, owner: 'o3' }, 10_000)).toEqual({ kind: 'existing', record: { state: 'done', fingerprint: 'f1', response } });
    });

    it('lets only the owner complete or abandon its marker', async () => {
      await env.store.begin('k2', { state: 'in_flight', fingerprint: 'f', owner: 'mine' }, 10_000);
      await env.store.complete('k2', 'not-mine', { state: 'done', fingerprint: 'f', response }, 60_000);
      await env.store.abandon('k2', 'not-mine');
      expect((await env.store.begin('k2', { state: 'in_flight', fingerprint: 'f', owner: 'x' }, 10_000))).toMatchObject({ kind: 'existing', record: { state: 'in_flight', owner: 'mine' } });
      await env.store.abandon('k2', 'mine');
      expect(await env.store.begin('k2', { state: 'in_flight', fingerprint: 'f', owner: 'next' }, 10_000)).toEqual({ kind: 'started' });
    });

    it('frees a marker when its time is up', async () => {
      await env.store.begin('k3', { state: 'in_flight', fingerprint: 'f', owner: 'crashed' }, 1);
      let outcome = await env.store.begin('k3', { state: 'in_flight', fingerprint: 'f', owner: 'next' }, 10_000);
      // Expiry is the store's clock; poll a bounded number of times rather than assert a duration.
      for (let attempt = 0; attempt < 50 && outcome.kind !== 'started'; attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        outcome = await env.store.begin('k3', { state: 'in_flight', fingerprint: 'f', owner: 'next' }, 10_000);
      }
      expect(outcome).toEqual({ kind: 'started' });
    });
  });
};

contract('in-memory idempotency store', () => ({ store: createInMemoryIdempotencyStore(), cleanup: async () => {} }));

contract('Redis idempotency store (real Redis)', () => {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const prefix = testKeyPrefix('idem-store');
  return {
    store: createRedisIdempotencyStore(redis, { keyPrefix: prefix }),
    cleanup: async () => {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    },
  };
});
