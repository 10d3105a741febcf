import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { createTradingApi } from '../../app/trading-api';
import { createPgliteEventStore, createPostgresEventStore } from '../../infrastructure/event-store/postgres';
import type { EventStore } from '../../infrastructure/event-store/port';
import type { HttpApp } from '../../infrastructure/http/server';
import { createInMemoryIdempotencyStore } from '../../infrastructure/idempotency/in-memory-store';
import { createRedisIdempotencyStore } from '../../infrastructure/idempotency/redis-store';
import type { IdempotencyStore } from '../../infrastructure/idempotency/store';
import { createLogger } from '../../infrastructure/logging';
import { createMetrics } from '../../infrastructure/metrics';
import { createTestDatabase, testKeyPrefix } from './pg-database';
import { GENEROUS_SIGN_UPS, REDIS_URL, type Reply } from './trading-harness';
import { createThrottle } from '../../infrastructure/auth/throttle';

const JWT_SECRET = 'run-modes-test-secret-long-enough-for-hs256-0123456789';
/** Bounded sweep of this run's Redis keys. */
const SWEEP_ROUNDS_MAX = 200;

/**
 * The trading API in either run mode, with a way to lose every idempotency record: embedded (PGlite and
 * an in-memory idempotency store) restarts the process, a fresh app on the same event store; distributed
 * (PostgreSQL and Redis) flushes Redis, as a failover or an expired TTL would.
 */
export type RunMode = {
  readonly store: EventStore;
  request(method: string, path: string, options?: { token?: string; key?: string; body?: unknown }): Promise<Reply>;
  loseIdempotencyRecords(): Promise<void>;
  close(): Promise<void>;
};

type ModeParts = { store: EventStore; idempotencyStore: () => IdempotencyStore; forget(): Promise<void>; dispose(): Promise<void>; restarts: boolean };

const startMode = async (parts: ModeParts): Promise<RunMode> => {
  const launch = async () => {
    const api = createTradingApi({
      store: parts.store, idempotencyStore: parts.idempotencyStore(), jwtSecret: JWT_SECRET,
      logger: createLogger({ level: 'silent' }), metrics: createMetrics(), throttle: createThrottle({ settings: GENEROUS_SIGN_UPS }),
    });
    return { api, port: await api.start(0) };
  };
  let running: { api: HttpApp; port: number } = await launch();
  return {
    store: parts.store,
    request: async (method, path, options = {}) => {
      const headers: Record<string, string> = {};
      if (options.token !== undefined) headers.Authorization = `Bearer ${options.token}`;
      if (options.key !== undefined) headers['Idempotency-Key'] = options.key;
      if (options.body !== undefined) headers['Content-Type'] = 'application/json';
      const response = await fetch(`http://127.0.0.1:${running.port}${path}`, {
        method, headers, ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      });
      const text = await response.text();
      return { status: response.status, body: text.length > 0 && response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text, headers: response.headers };
    },
    loseIdempotencyRecords: async () => {
      if (parts.restarts) {
        await running.api.stop();
        running = await launch();
      }
      await parts.forget();
    },
    close: async () => {
      await running.api.stop();
      await parts.dispose();
    },
  };
};

export const startEmbeddedMode = async (): Promise<RunMode> => {
  const store = await createPgliteEventStore({ onWorkerThread: true });
  // The store's close is the app's job in production; here the app restarts and the store lives on.
  return startMode({ store, idempotencyStore: () => createInMemoryIdempotencyStore(), forget: async () => {}, dispose: () => store.close(), restarts: true });
};

export const startDistributedMode = async (label: string): Promise<RunMode> => {
  const database = await createTestDatabase(label);
  const store = await createPostgresEventStore({ connectionString: database.url, poolSize: 4 });
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const prefix = testKeyPrefix(`${label}-${randomUUID().slice(0, 8)}`);
  const flush = async () => {
    let cursor = '0';
    for (let round = 0; round < SWEEP_ROUNDS_MAX; round += 1) {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
      if (cursor === '0') return;
    }
  };
  return startMode({
    store, idempotencyStore: () => createRedisIdempotencyStore(redis, { keyPrefix: prefix }), forget: flush, restarts: false,
    dispose: async () => {
      await store.close();
      await flush();
      redis.disconnect();
      await database.drop();
    },
  });
};
