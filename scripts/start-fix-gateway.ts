import Redis from 'ioredis';
import * as E from 'fp-ts/Either';
import { Pool } from 'pg';
import { marketHoursNamed } from '../domain/market-hours/calendar';
import { startGateway } from '../fix-gateway/gateway';
import { venuesFromEnv } from '../fix-gateway/venues-from-env';
import { loadConfig } from '../infrastructure/config';
import { createEventStoreDbEventStore } from '../infrastructure/event-store/eventstoredb';
import { createPostgresEventStore } from '../infrastructure/event-store/postgres';
import type { EventStore } from '../infrastructure/event-store/port';
import { startOpsServer } from '../infrastructure/http/ops-server';
import { createLogger } from '../infrastructure/logging';
import { createRedisMarketData } from '../infrastructure/market/redis';
import { metrics } from '../infrastructure/metrics';
import { sqlDatabaseFromPool } from '../infrastructure/pg/sql-client';
import { stopOnSignals } from './process-lifecycle';

/**
 * Distributed mode's FIX gateway: sessions to the venues in FIX_VENUES (default: the simulated venues on this
 * host), the execution engine and the fill intake. Its sessions, checkpoint and held stops live in DATABASE_URL;
 * the NBBO for stops comes from Redis. Per-venue quotes are not published in distributed mode, so the router
 * ranks venues on fill rate, speed and stability there, and the venues' own NBBO checks stand.
 */
const main = async () => {
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel, name: 'fix-gateway' });
  if (config.databaseUrl === undefined) throw new Error('the FIX gateway needs DATABASE_URL (sessions, checkpoint, held stops)');
  if (config.redisUrl === undefined) throw new Error('the FIX gateway needs REDIS_URL (the NBBO its stops trigger on)');
  const venues = venuesFromEnv(process.env.FIX_VENUES);
  if (E.isLeft(venues)) throw new Error(`invalid configuration: ${venues.left}`);
  const store: EventStore = config.eventStoreUrl !== undefined
    ? createEventStoreDbEventStore({ connectionString: config.eventStoreUrl })
    : await createPostgresEventStore({ connectionString: config.databaseUrl });
  const pool = new Pool({ connectionString: config.databaseUrl, max: 4 });
  const database = sqlDatabaseFromPool(pool, true);
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 1, enableAutoPipelining: true });
  let healthy = true;
  const gateway = await startGateway({
    store, database, venues: venues.right, quotes: { quotesOf: async () => [] }, market: createRedisMarketData(redis, ''),
    marketHours: marketHoursNamed(config.marketHours), logger,
    onFailure: () => { healthy = false; },
  });
  const ops = await startOpsServer({ port: config.port, registry: metrics.registry, healthy: () => healthy });
  logger.info({ port: ops.port, venues: venues.right.map((v) => `${v.name}@${v.host}:${v.port}`) }, 'fix gateway running');
  stopOnSignals(logger, async () => {
    await gateway.stop();
    await ops.close();
    redis.disconnect();
    await database.close();
    await store.close();
  });
};

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
