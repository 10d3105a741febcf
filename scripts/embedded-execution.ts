import type { Logger } from 'pino';
import type { MarketHours } from '../domain/market-hours/calendar';
import type { VenueQuotes as EngineVenueQuotes } from '../fix-gateway/engine/execution-engine';
import type { VenueConfig } from '../fix-gateway/engine/venue-config';
import { startGateway } from '../fix-gateway/gateway';
import type { EventStore } from '../infrastructure/event-store/port';
import type { MarketDataReader } from '../infrastructure/market/port';
import type { SqlDatabase } from '../infrastructure/pg/sql-client';
import { assetUniverse } from '../streaming/feed/asset-universe';
import type { FeedSink } from '../streaming/feed/feed-sink';
import { ticksToDecimal } from '../streaming/market/ticks';
import { VENUES } from '../streaming/market/venues';
import { VENUE_PROFILES } from '../venue-sim/profiles';
import { startVenue, type RunningVenue } from '../venue-sim/venue';
import { VenueQuotes, venueQuoteSink } from '../venue-sim/venue-quotes';

/**
 * Embedded mode's execution side: the four simulated venues in process as FIX acceptors on loopback, fed by
 * the same simulated feed the user watches, and the FIX gateway connected to them over real sessions. Its
 * tables (sessions, drop copies, checkpoint) live in the event store's PGlite.
 */
export const prepareEmbeddedVenues = () => {
  const symbols = assetUniverse().map((u) => u.symbol);
  const quotesByVenue = new Map(VENUES.map((mic) => [mic, new VenueQuotes()] as const));
  const sinks: FeedSink[] = VENUES.map((mic, venueId) => venueQuoteSink(venueId, symbols, quotesByVenue.get(mic)!));
  return { quotesByVenue, sinks };
};

export const startEmbeddedExecution = async (deps: {
  readonly store: EventStore;
  readonly market: MarketDataReader;
  readonly marketHours: MarketHours;
  readonly logger: Logger;
  /** Shared with the event store, which closes it. */
  readonly database: SqlDatabase;
  readonly quotesByVenue: ReadonlyMap<string, VenueQuotes>;
}) => {
  const database = deps.database;
  const venues: RunningVenue[] = [];
  for (const mic of VENUES) {
    venues.push(await startVenue({ profile: VENUE_PROFILES[mic], database, quotes: deps.quotesByVenue.get(mic)!, logger: deps.logger }));
  }
  const configs: VenueConfig[] = venues.map((v) => ({ name: v.mic, host: '127.0.0.1', port: v.port, senderCompId: 'BROKER', targetCompId: v.mic, orderTypes: ['market', 'limit'] }));
  const quotes: EngineVenueQuotes = {
    quotesOf: async (symbol) => [...deps.quotesByVenue].flatMap(([venue, byVenue]) => {
      const q = byVenue.get(symbol);
      return q === undefined ? [] : [{ venue, bid: q.bidTicks > 0 ? ticksToDecimal(q.bidTicks) : null, ask: q.askTicks > 0 ? ticksToDecimal(q.askTicks) : null }];
    }),
  };
  const gateway = await startGateway({
    store: deps.store, database, venues: configs, quotes, market: deps.market, marketHours: deps.marketHours, logger: deps.logger,
    onFailure: (error) => deps.logger.error({ err: error }, 'execution engine stopped'),
  });
  deps.logger.info({ venues: configs.map((c) => `${c.name}@${c.port}`) }, 'simulated venues and FIX gateway ready');
  return {
    stop: async () => {
      await gateway.stop();
      for (const venue of venues) await venue.stop();
    },
  };
};
