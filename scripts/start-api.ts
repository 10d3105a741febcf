import Redis from 'ioredis';
import { createTradingApi } from '../app/trading-api';
import { createRedisBuyingPowerStore } from '../infrastructure/buying-power/redis';
import { loadConfig, warnAboutConfig } from '../infrastructure/config';
import { marketHoursNamed } from '../domain/market-hours/calendar';
import { createEventStoreDbEventStore } from '../infrastructure/event-store/eventstoredb';
import { createPostgresEventStore } from '../infrastructure/event-store/postgres';
import type { EventStore } from '../infrastructure/event-store/port';
import { throttleFromConfig } from '../infrastructure/auth/throttle-from-config';
import { createRedisSessionStore } from '../infrastructure/sessions/redis-store';
import { connectNatsBus, NATS_CONNECT_TIMEOUT_MS, type NatsBus } from '../infrastructure/bus/nats';
import { revocationNotifierOn, type RevocationNotifier } from '../infrastructure/sessions/revocation-notice';
import { startOpsServer } from '../infrastructure/http/ops-server';
import { createIdempotencyStore } from '../infrastructure/idempotency/from-config';
import { createLogger } from '../infrastructure/logging';
import { createPgCandleStore } from '../infrastructure/market/candle-store-pg';
import { createRedisMarketData } from '../infrastructure/market/redis';
import { metrics } from '../infrastructure/metrics';
import { sqlDatabaseFromPool } from '../infrastructure/pg/sql-client';
import { consistencyWaitMsFromEnv } from '../read-api/read-models';
import { createPool } from '../infrastructure/pg/pool';
import { stopOnSignals, runProcess } from './process-lifecycle';
import { runWorkers, workersFromEnvOrExit } from './cluster-workers';

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
  // Throttles and sessions share a client; when Redis is away they refuse with 503 rather than guess.
  const throttleRedis = config.redisUrl === undefined ? undefined : new Redis(config.redisUrl, { maxRetriesPerRequest: 1, enableAutoPipelining: true });
  // Revocations reach the streaming nodes over NATS, which close the sessions' sockets at once. Trading never
  // waits on NATS: the API starts without it and keeps dialling, and a notice published while it is away is dropped
  // (those sockets then close when their tokens expire, and a node with REDIS_URL admits no revoked token meanwhile).
  let bus: NatsBus | undefined;
  if (config.natsUrl === undefined) logger.warn('NATS_URL not set: streaming sockets of revoked sessions close only when their tokens expire');
  else {
    const unreachable = setTimeout(() => logger.warn('NATS not reachable yet: retrying; until then sockets of revoked sessions close only when their tokens expire'), NATS_CONNECT_TIMEOUT_MS);
    connectNatsBus({ servers: config.natsUrl, name: `api-${process.pid}`, logger, waitOnFirstConnect: true }).then((connected) => {
      clearTimeout(unreachable);
      bus = connected;
      logger.info('NATS connected: revocations reach the streaming nodes');
    }, (error: unknown) => {
      clearTimeout(unreachable);
      logger.error({ err: error }, 'NATS connection abandoned: streaming sockets of revoked sessions close only when their tokens expire');
    });
  }
  const onRevoked: RevocationNotifier = (notice) => { if (bus !== undefined) revocationNotifierOn(bus)(notice); };
  const pool = config.databaseUrl === undefined ? undefined : createPool({ connectionString: config.databaseUrl, max: 4 }, { name: 'api', logger, metrics });
  const api = createTradingApi({
    store, idempotencyStore, jwtSecret: config.jwtSecret, logger, metrics, marketHours: marketHoursNamed(config.marketHours),
    ...(redis ? { buyingPower: createRedisBuyingPowerStore(redis, '') } : {}),
    ...(redis && pool ? { market: { reader: createRedisMarketData(redis, ''), candles: createPgCandleStore(pool) } } : {}),
    throttle: throttleFromConfig(config, throttleRedis),
    onRevoked,
    ...(config.mfaKey === undefined ? {} : { mfaKey: config.mfaKey }),
    ...(config.mfaWithdrawalThreshold === undefined ? {} : { mfaWithdrawalThresholdDecimal: config.mfaWithdrawalThreshold }),
    ...(throttleRedis ? { sessionStore: createRedisSessionStore(throttleRedis, { keyPrefix: 'session:' }) } : {}), trustedProxies: config.trustedProxies, corsOrigins: config.corsOrigins,
    // The read models live in DATABASE_URL, written by `npm run start:projections`.
    ...(pool ? { readModels: { db: sqlDatabaseFromPool(pool, false), consistencyWaitMsMax: consistencyWaitMsFromEnv() } } : {}),
    jsonBodyBytesMax: config.jsonBodyBytesMax, idempotencyTtlMs: config.idempotencyTtlMs, shutdownGraceMs: config.shutdownGraceMs,
    readiness: async () => ({ ready: true, checks: { eventStore: await describeHead(store) } }),
    resources: [
      { name: 'event store', close: () => store.close() },
      { name: 'idempotency store', close: () => idempotencyStore.close() },
      ...(redis ? [{ name: 'redis', close: async () => { redis.disconnect(); } }] : []),
      ...(throttleRedis ? [{ name: 'throttle redis', close: async () => { throttleRedis.disconnect(); } }] : []),
      ...(pool ? [{ name: 'pg pool', close: () => pool.end() }] : []),
      { name: 'nats', close: async () => { await bus?.close(); } },
    ],
  });
  const port = await api.start(config.port, process.env.HOST ?? '0.0.0.0');
  let serving = true;
  const ops = await startOpsServer({ port: config.opsPort, registry: metrics.registry, healthy: () => serving });
  logger.info({ url: `http://localhost:${port}`, ops: `http://localhost:${ops.port}/metrics` }, 'trading API ready');
  stopOnSignals(logger, async () => {
    serving = false;
    await api.stop();
    await ops.close();
  });
};

runProcess('api', () => runWorkers({
  count: workersFromEnvOrExit('API_WORKERS'), name: 'API', logger: createLogger({ level: process.env.LOG_LEVEL ?? 'info', name: 'api' }), onWorkerExit: 'stop-all', serve: main,
}));
