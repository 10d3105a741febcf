/**
 * bench/fix's two server roles, the simulated venue and the FIX gateway, each with what it owns (pool,
 * event store) so it can run in the bench's process or in a process of its own (fix-role-process.ts), as
 * distributed mode runs them. stop() closes everything the role opened: a process hosting it then exits
 * by itself.
 */
import { Pool } from 'pg';
import type { Logger } from 'pino';
import { alwaysOpen } from '../../domain/market-hours/calendar';
import { startGateway } from '../../fix-gateway/gateway';
import { createPostgresEventStore } from '../../infrastructure/event-store/postgres';
import type { EventStore } from '../../infrastructure/event-store/port';
import { createInMemoryMarketData } from '../../infrastructure/market/in-memory';
import { sqlDatabaseFromPool } from '../../infrastructure/pg/sql-client';
import { decimalToTicks } from '../../streaming/market/ticks';
import { VENUE_PROFILES } from '../../venue-sim/profiles';
import { startVenue } from '../../venue-sim/venue';
import { VenueQuotes } from '../../venue-sim/venue-quotes';

export const BENCH_SYMBOL = 'AAPL';
export const BENCH_BID = '189.99';
export const BENCH_ASK = '190.01';

export type RunningRole = { readonly port: number; stop(): Promise<void> };

/** Appends and revision conflicts seen by one component's store. */
export type AppendCounts = { appends: number; conflicts: number };

/** The store as `counts` sees it: every append counted, and every revision conflict. */
export const countingStore = (store: EventStore, counts: AppendCounts): EventStore => ({
  ...store,
  appendToStream: async (streamId, events, options) => {
    counts.appends += 1;
    const outcome = await store.appendToStream(streamId, events, options);
    if (outcome.kind === 'RevisionConflict') counts.conflicts += 1;
    return outcome;
  },
});

/** XNAS with no latency, every marketable order filled at once and whole, deep quotes at 189.99 / 190.01. */
export const startBenchVenue = async (databaseUrl: string, logger: Logger): Promise<RunningRole> => {
  const pool = new Pool({ connectionString: databaseUrl, max: 4 });
  const database = sqlDatabaseFromPool(pool, true);
  const quotes = new VenueQuotes();
  quotes.set(BENCH_SYMBOL, { bidTicks: decimalToTicks(BENCH_BID)!, askTicks: decimalToTicks(BENCH_ASK)!, bidSize: 1_000_000_000, askSize: 1_000_000_000 });
  const venue = await startVenue({ profile: { ...VENUE_PROFILES.XNAS, latencyMs: 0, fillRate: 1, rejectRate: 0, partialFillRate: 0 }, database, quotes, logger, chance: () => 0.5 });
  return {
    port: venue.port,
    stop: async () => {
      await venue.stop();
      await database.close();
    },
  };
};

/** The gateway with its own event store and pool, one session to the venue at `venuePort`. */
export const startBenchGateway = async (databaseUrl: string, venuePort: number, logger: Logger, counts: AppendCounts): Promise<RunningRole> => {
  const store = await createPostgresEventStore({ connectionString: databaseUrl, poolSize: 8, logger });
  const pool = new Pool({ connectionString: databaseUrl, max: 4 });
  const database = sqlDatabaseFromPool(pool, true);
  const market = createInMemoryMarketData();
  await market.writeBatch([{ kind: 'quote', symbol: BENCH_SYMBOL, json: JSON.stringify({ symbol: BENCH_SYMBOL, bid: BENCH_BID, ask: BENCH_ASK, bid_size: 1, ask_size: 1, last: null, volume: 0, ts: new Date().toISOString() }) }]);
  const gateway = await startGateway({
    store: countingStore(store, counts), database, market, marketHours: alwaysOpen, logger,
    venues: [{ name: 'XNAS', host: '127.0.0.1', port: venuePort, senderCompId: 'BROKER', targetCompId: 'XNAS', orderTypes: ['market', 'limit'] }],
    quotes: { quotesOf: async () => [{ venue: 'XNAS', bid: BENCH_BID, ask: BENCH_ASK }] },
  });
  await gateway.loggedOn();
  return {
    port: venuePort,
    stop: async () => {
      await gateway.stop();
      await database.close();
      await store.close();
    },
  };
};
