import Redis from 'ioredis';
import { createTradingApi } from '../app/trading-api';
import { loadConfig, warnAboutConfig } from '../infrastructure/config';
import { createEventStoreDbEventStore } from '../infrastructure/event-store/eventstoredb';
import { createPostgresEventStore } from '../infrastructure/event-store/postgres';
import type { EventStore } from '../infrastructure/event-store/port';
import { createIdempotencyStore } from '../infrastructure/idempotency/from-config';
import { createLogger } from '../infrastructure/logging';
import { createPgCandleStore } from '../infrastructure/market/candle-store-pg';
import { createRedisMarketData } from '../infrastructure/market/redis';
import { metrics } from '../infrastructure/metrics';
import { createPool } from '../infrastructure/pg/pool';
import { stopOnSignals } from './process-lifecycle';

const describeHead = async (store: EventStore): Promise<string> => {
  const head = await store.headPosition();
  return `head ${head.position}${head.mayBeBehind ? ' (may be behind: a transaction stays open on the database server)' : ''}`;
};

/** Distributed mode's API process: EventStoreDB (or PostgreSQL) for events, Redis for idempotency and quotes. */
const main = async () => {
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel, name: 'api' });
  warnAboutConfig(config, logger);
  if (config.databaseUrl === undefined && config.eventStoreUrl === undefined) throw new Error('set EVENTSTORE_URL or DATABASE_URL');
  const store: EventStore = config.eventStoreUrl !== undefined
    ? createEventStoreDbEventStore({ connectionString: config.eventStoreUrl })
    : await createPostgresEventStore({ connectionString: config.databaseUrl!, logger, metrics });
  const idempotencyStore = createIdempotencyStore(config);
  const redis = config.redisUrl === undefined ? undefined : new Redis(config.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, enableAutoPipelining: true });
  const pool = config.databaseUrl === undefined ? undefined : createPool({ connectionString: config.databaseUrl, max: 4 }, { name: 'candles', logger, metrics });
  const api = createTradingApi({
    store, idempotencyStore, jwtSecret: config.jwtSecret, logger, metrics,
    ...(redis && pool ? { market: { reader: createRedisMarketData(redis, ''), candles: createPgCandleStore(pool) } } : {}),
    jsonBodyBytesMax: config.jsonBodyBytesMax, idempotencyTtlMs: config.idempotencyTtlMs, shutdownGraceMs: config.shutdownGraceMs,
    readiness: async () => ({ ready: true, checks: { eventStore: await describeHead(store) } }),
    resources: [
      { name: 'event store', close: () => store.close() },
      { name: 'idempotency store', close: () => idempotencyStore.close() },
      ...(redis ? [{ name: 'redis', close: async () => { redis.disconnect(); } }] : []),
      ...(pool ? [{ name: 'pg pool', close: () => pool.end() }] : []),
    ],
  });
  const port = await api.start(config.port, process.env.HOST ?? '0.0.0.0');
  logger.info({ url: `http://localhost:${port}` }, 'trading API ready');
  stopOnSignals(logger, () => api.stop());
};

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
