import Redis from 'ioredis';
import { connectNatsBus, registerNatsMetrics } from '../infrastructure/bus/nats';
import { loadConfig } from '../infrastructure/config';
import { startOpsServer } from '../infrastructure/http/ops-server';
import { createLogger } from '../infrastructure/logging';
import { createPgCandleStore, ensureCandleSchema } from '../infrastructure/market/candle-store-pg';
import { createRedisMarketData } from '../infrastructure/market/redis';
import { metrics } from '../infrastructure/metrics';
import { createPool } from '../infrastructure/pg/pool';
import { assetUniverse } from '../streaming/feed/asset-universe';
import { startSimulatedMarketData } from '../streaming/ingest/start-market-data';
import { venueQuotePublisher } from '../streaming/ingest/venue-quote-publisher';
import { stopOnSignals, runProcess } from './process-lifecycle';

/** /healthz and /metrics; each distributed process has its own default so all of them start on one host. */
export const INGEST_DEFAULT_PORT = 8082;

/**
 * Distributed mode's market data ingest: the simulated venues' feed through NBBO, L2, candles and LULD
 * halts, published on NATS (`md.*`), last quotes and halts in Redis, candles in PostgreSQL. Each venue's own top of
 * book goes out too (`md.venue.<MIC>.<SYM>`), for the FIX gateway's router and the venue processes.
 * `FEED_EVENTS_PER_SECOND` sets the feed rate. It never touches the event store: quotes flow while trading is down.
 */
const main = async () => {
  const config = loadConfig(process.env, { port: INGEST_DEFAULT_PORT });
  const logger = createLogger({ level: config.logLevel, name: 'ingest' });
  if (config.natsUrl === undefined || config.redisUrl === undefined || config.databaseUrl === undefined) {
    throw new Error('ingest needs NATS_URL, REDIS_URL and DATABASE_URL');
  }
  const bus = await connectNatsBus({ servers: config.natsUrl, name: `ingest-${process.pid}`, logger });
  registerNatsMetrics(metrics.registry, bus);
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 1 });
  const pool = createPool({ connectionString: config.databaseUrl, max: 2 }, { name: 'candles', logger, metrics });
  await ensureCandleSchema(pool);
  const universe = assetUniverse();
  const feed = startSimulatedMarketData({
    bus, universe, alsoTo: [venueQuotePublisher(bus, universe.map((u) => u.symbol))], snapshots: createRedisMarketData(redis, ''), candles: createPgCandleStore(pool), logger,
    ...(process.env.FEED_EVENTS_PER_SECOND ? { eventsPerSecond: Number(process.env.FEED_EVENTS_PER_SECOND) } : {}),
  });
  const ops = await startOpsServer({ port: config.port, portVariable: 'PORT', registry: metrics.registry, healthy: () => true });
  logger.info({ port: ops.port }, 'ingest running');
  stopOnSignals(logger, async () => {
    await feed.stop();
    await ops.close();
    await bus.close();
    redis.disconnect();
    await pool.end();
  });
};

runProcess('ingest', main);
