import * as E from 'fp-ts/Either';
import { Pool } from 'pg';
import { connectNatsBus } from '../infrastructure/bus/nats';
import { startOpsServer } from '../infrastructure/http/ops-server';
import { createLogger } from '../infrastructure/logging';
import { metrics } from '../infrastructure/metrics';
import { sqlDatabaseFromPgliteWorker } from '../infrastructure/pg/pglite-worker';
import { sqlDatabaseFromPool } from '../infrastructure/pg/sql-client';
import { assetUniverse } from '../streaming/feed/asset-universe';
import { createPrng } from '../streaming/feed/prng';
import { driveInRealTime } from '../streaming/feed/realtime-driver';
import { createFeedSimulator } from '../streaming/feed/simulator';
import { VENUES } from '../streaming/market/venues';
import { startVenue } from '../venue-sim/venue';
import { parseVenueProcessConfig } from '../venue-sim/venue-process-config';
import { VenueQuotes, venueQuoteSink, venueQuotesFromBus } from '../venue-sim/venue-quotes';
import { stopOnSignals, runProcess } from './process-lifecycle';

/** A standalone venue's own feed, when no NATS is given: light, like embedded mode's. */
const STANDALONE_FEED_EVENTS_PER_SECOND = 2_000;

/**
 * `npm run start:venue -- <MIC>`: one simulated venue as its own process, a FIX 4.4 acceptor for the broker's
 * gateway. FIX_PORT (default the profile's 9101-9104), HOST, PORT (/healthz and /metrics; default FIX port + 100),
 * DATABASE_URL (sequence numbers and drop copy; PGlite in memory without it), NATS_URL (quote its own top of
 * book as ingest publishes it; without it the venue runs its own simulated feed), GATEWAY_COMP_ID (default BROKER), LOG_LEVEL.
 */
const main = async (): Promise<void> => {
  const parsed = parseVenueProcessConfig(process.argv.slice(2), process.env);
  if (E.isLeft(parsed)) {
    console.error(parsed.left);
    process.exit(2);
  }
  const config = parsed.right;
  const logger = createLogger({ level: config.logLevel, name: `venue-${config.profile.mic}` });
  const database = config.databaseUrl !== undefined
    ? sqlDatabaseFromPool(new Pool({ connectionString: config.databaseUrl, max: 4 }), true)
    : sqlDatabaseFromPgliteWorker();
  if (config.databaseUrl === undefined) logger.warn('no DATABASE_URL: sequence numbers and drop copy live in memory only');
  const quotes = new VenueQuotes();
  let stopQuotes: () => Promise<void>;
  if (config.natsUrl !== undefined) {
    const bus = await connectNatsBus({ servers: config.natsUrl, name: `venue-${config.profile.mic}-${process.pid}` });
    const subscription = venueQuotesFromBus(bus, config.profile.mic, quotes);
    stopQuotes = async () => { subscription.unsubscribe(); await bus.close(); };
  } else {
    const universe = assetUniverse();
    const simulator = createFeedSimulator({ symbols: universe, seed: 1, eventsPerSecond: STANDALONE_FEED_EVENTS_PER_SECOND, startMs: Date.now(), prng: createPrng(1) });
    const sink = venueQuoteSink(VENUES.indexOf(config.profile.mic), universe.map((u) => u.symbol), quotes);
    const driver = driveInRealTime(simulator, sink, STANDALONE_FEED_EVENTS_PER_SECOND);
    stopQuotes = async () => driver.stop();
  }
  const venue = await startVenue({ profile: config.profile, database, quotes, logger, host: config.fixHost, port: config.fixPort, gatewayCompId: config.gatewayCompId });
  let draining = false;
  const ops = await startOpsServer({ port: config.opsPort, portVariable: 'PORT', registry: metrics.registry, healthy: () => !draining });
  logger.info({ venue: config.profile.mic, fixPort: venue.port, opsPort: ops.port, quotes: config.natsUrl !== undefined ? 'own-quotes-from-nats' : 'own-feed' }, 'venue running');
  stopOnSignals(logger, async () => {
    draining = true;
    await stopQuotes();
    await venue.stop();
    await ops.close();
    await database.close();
  });
};

runProcess('venue', main);
