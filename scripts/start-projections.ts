import Redis from 'ioredis';
import { createRedisBuyingPowerStore } from '../infrastructure/buying-power/redis';
import { loadConfig } from '../infrastructure/config';
import { createEventStoreDbEventStore } from '../infrastructure/event-store/eventstoredb';
import { createPostgresEventStore } from '../infrastructure/event-store/postgres';
import type { EventStore } from '../infrastructure/event-store/port';
import { startOpsServer } from '../infrastructure/http/ops-server';
import { createLogger } from '../infrastructure/logging';
import { metrics } from '../infrastructure/metrics';
import { createPool } from '../infrastructure/pg/pool';
import { sqlDatabaseFromPool } from '../infrastructure/pg/sql-client';
import { createProjections } from '../projections/all';
import { EQUITY_PROJECTION } from '../projections/equity/model';
import { startEquitySnapshots } from '../projections/equity-snapshots/scheduler';
import { createPgCandleStore, ensureCandleSchema } from '../infrastructure/market/candle-store-pg';
import { createRedisMarketData } from '../infrastructure/market/redis';
import { startProjectionRunner } from '../projections/runner/runner';
import { stopOnSignals, runProcess } from './process-lifecycle';

/** The projections process's own default port (API 8080, streaming 8081, ingest 8082, order updates 8083). */
export const PROJECTIONS_DEFAULT_PORT = 8084;

/**
 * Distributed mode's projections process: the read models in PostgreSQL (`DATABASE_URL`), fed from the
 * event store (EventStoreDB at `EVENTSTORE_URL`, else the PostgreSQL one). `PROJECTIONS=orders,portfolio`
 * runs a subset, so models can be split over processes. Lag per projection is in /metrics and /healthz.
 */
const main = async () => {
  const config = loadConfig(process.env, { port: PROJECTIONS_DEFAULT_PORT });
  const logger = createLogger({ level: config.logLevel, name: 'projections' });
  if (config.databaseUrl === undefined) throw new Error('projections need DATABASE_URL (the read models live in PostgreSQL)');
  const store: EventStore = config.eventStoreUrl !== undefined
    ? createEventStoreDbEventStore({ connectionString: config.eventStoreUrl })
    : await createPostgresEventStore({ connectionString: config.databaseUrl });
  const pool = createPool({ connectionString: config.databaseUrl, max: 4 }, { name: 'projections', logger, metrics });
  const db = sqlDatabaseFromPool(pool, true);
  // The buying power model lives in Redis: it runs when REDIS_URL is set.
  const redis = config.redisUrl === undefined ? undefined : new Redis(config.redisUrl, { maxRetriesPerRequest: 1 });
  const stores = redis === undefined ? {} : { buyingPower: createRedisBuyingPowerStore(redis, '') };
  const wanted = process.env.PROJECTIONS?.split(',').map((name) => name.trim()).filter((name) => name.length > 0);
  const projections = createProjections(stores).filter((projection) => wanted === undefined || wanted.includes(projection.name));
  if (projections.length === 0) throw new Error(`PROJECTIONS names none of: ${createProjections(stores).map((p) => p.name).join(', ')}`);
  const runner = await startProjectionRunner({ store, db, projections, logger, registry: metrics.registry });
  // The close-of-day equity snapshots run beside the models they read (the equity model, candles, last quotes).
  await ensureCandleSchema(pool);
  const snapshots = projections.some((p) => p.name === EQUITY_PROJECTION)
    ? startEquitySnapshots({ db, store, candles: createPgCandleStore(pool), ...(redis ? { quotes: createRedisMarketData(redis, '') } : {}), logger }) : undefined;
  const ops = await startOpsServer({
    port: config.port, portVariable: 'PORT', registry: metrics.registry,
    healthy: () => runner.healthy(), details: () => ({ projections: runner.status() }),
  });
  logger.info({ port: ops.port, projections: projections.map((p) => p.name) }, 'projections running');
  stopOnSignals(logger, async () => {
    await snapshots?.stop();
    await runner.stop();
    await ops.close();
    await db.close();
    await store.close();
    redis?.disconnect();
  });
};

runProcess('projections', main);
