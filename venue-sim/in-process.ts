import type { Logger } from 'pino';
import type { SqlDatabase } from '../infrastructure/pg/sql-client';
import type { FeedSink } from '../streaming/feed/feed-sink';
import { VENUES } from '../streaming/market/venues';
import { VENUE_PROFILES } from './profiles';
import { startVenue, type RunningVenue } from './venue';
import { VenueQuotes, venueQuoteSink } from './venue-quotes';

/**
 * Embedded mode: all four venues in this process on loopback, each on an ephemeral port, each quoting from
 * the simulated feed. Put `sink` beside ingest on the feed (`teeFeedSink`) so a venue fills at exactly the
 * quotes a user watches.
 */
export const startInProcessVenues = async (options: {
  readonly database: SqlDatabase;
  readonly logger: Logger;
  /** The feed's symbol ids, in order (the symbol table ingest uses). */
  readonly symbols: readonly string[];
}): Promise<{ readonly venues: readonly RunningVenue[]; readonly sink: FeedSink; stop(): Promise<void> }> => {
  const sinks: FeedSink[] = [];
  const venues: RunningVenue[] = [];
  for (const [venueId, mic] of VENUES.entries()) {
    const quotes = new VenueQuotes();
    sinks.push(venueQuoteSink(venueId, options.symbols, quotes));
    venues.push(await startVenue({ profile: VENUE_PROFILES[mic], database: options.database, quotes, logger: options.logger, host: '127.0.0.1', port: 0 }));
  }
  return {
    venues,
    sink: teeFeedSink(...sinks),
    stop: async () => { await Promise.all(venues.map((venue) => venue.stop())); },
  };
};

/** One feed into several sinks, in order. */
export const teeFeedSink = (...sinks: readonly FeedSink[]): FeedSink => ({
  onQuote: (s, v, level, bid, ask, bidSize, askSize, ts) => { for (const sink of sinks) sink.onQuote(s, v, level, bid, ask, bidSize, askSize, ts); },
  onTrade: (s, v, price, size, ts) => { for (const sink of sinks) sink.onTrade(s, v, price, size, ts); },
  onHalt: (s, until, ts) => { for (const sink of sinks) sink.onHalt(s, until, ts); },
});
