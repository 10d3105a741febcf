import Redis from 'ioredis';
import * as E from 'fp-ts/Either';
import { Pool } from 'pg';
import { marketHoursNamed } from '../domain/market-hours/calendar';
import { startGateway, type RunningGateway } from '../fix-gateway/gateway';
import { intakeOutcomeCounter } from '../fix-gateway/fills/intake-metrics';
import { postgresLeaser } from '../fix-gateway/session/session-lease';
import { subscribeVenueQuotes } from '../fix-gateway/engine/bus-venue-quotes';
import { venuesFromEnv } from '../fix-gateway/venues-from-env';
import { connectNatsBus } from '../infrastructure/bus/nats';
import { loadConfig } from '../infrastructure/config';
import { createEventStoreDbEventStore } from '../infrastructure/event-store/eventstoredb';
import { createPostgresEventStore } from '../infrastructure/event-store/postgres';
import type { EventStore } from '../infrastructure/event-store/port';
import { startOpsServer } from '../infrastructure/http/ops-server';
import { createLogger } from '../infrastructure/logging';
import { createRedisMarketData } from '../infrastructure/market/redis';
import { metrics } from '../infrastructure/metrics';
import { sqlDatabaseFromPool } from '../infrastructure/pg/sql-client';
import { stopOnSignals, runProcess } from './process-lifecycle';

/** /healthz and /metrics; each distributed process has its own default so all of them start on one host. */
export const FIX_GATEWAY_DEFAULT_PORT = 8085;

/**
 * Distributed mode's FIX gateway (active, or standby until the active one dies): sessions to the venues in FIX_VENUES (default: the simulated venues on this
 * host), the execution engine and the fill intake. Its sessions, checkpoint and held stops live in DATABASE_URL;
 * the NBBO for stops comes from Redis. With NATS_URL the router ranks venues on each one's own quote as ingest
 * publishes it (`md.venue.<MIC>.<SYM>`) and never sends a marketable order to one quoting worse than the best;
 * without it (an outside venue with no quotes on our bus) it ranks them on fill rate, speed and stability alone.
 */
/** The advisory lock the active gateway holds (PostgreSQL releases it the moment the holder's connection dies). */
const GATEWAY_LEASE = 'fix-gateway';

const main = async () => {
  const config = loadConfig(process.env, { port: FIX_GATEWAY_DEFAULT_PORT });
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
  const bus = config.natsUrl === undefined ? undefined : await connectNatsBus({ servers: config.natsUrl, name: `fix-gateway-${process.pid}`, logger });
  const venueQuotes = bus === undefined ? undefined : subscribeVenueQuotes(bus);
  if (bus === undefined) logger.warn('no NATS_URL: the router has no per-venue quotes and ranks venues without price');
  let healthy = true;
  let role: 'standby' | 'active' = 'standby';
  const ops = await startOpsServer({ port: config.port, portVariable: 'PORT', registry: metrics.registry, healthy: () => healthy, details: () => ({ role }) });
  let stopping: () => void = () => undefined;
  const stopRequested = new Promise<void>((resolve) => { stopping = resolve; });
  const active: { gateway?: RunningGateway } = {};
  stopOnSignals(logger, async () => {
    stopping();
    await active.gateway?.stop();
    venueQuotes?.close();
    await bus?.close();
    await ops.close();
    redis.disconnect();
    await database.close();
    await store.close();
  });
  // One active gateway per database: its engine and every venue session belong to the lease holder; a second
  // process waits here as a standby and takes over when the owner's lease connection dies with it.
  logger.info({ port: ops.port, lease: GATEWAY_LEASE }, 'fix gateway standing by for the lease');
  const lease = await postgresLeaser(config.databaseUrl, logger).acquire(GATEWAY_LEASE, stopRequested);
  if (lease === undefined) return;
  void lease.lost.then(() => {
    // It can no longer prove it is the only owner: stop at once, without a Logout, and let the next owner carry on.
    logger.error('fix gateway lease lost: exiting so the standby takes over');
    process.exit(1);
  });
  role = 'active';
  active.gateway = await startGateway({
    store, database, venues: venues.right, quotes: venueQuotes ?? { quotesOf: async () => [] }, market: createRedisMarketData(redis, ''),
    marketHours: marketHoursNamed(config.marketHours), logger,
    onFailure: () => { healthy = false; },
    onIntake: intakeOutcomeCounter(metrics.registry),
  });
  logger.info({ port: ops.port, venues: venues.right.map((v) => `${v.name}@${v.host}:${v.port}`) }, 'fix gateway running');
};

runProcess('fix-gateway', main);
