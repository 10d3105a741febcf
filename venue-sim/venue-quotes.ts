import type { Bus, BusSubscription } from '../infrastructure/bus/port';
import type { FeedSink } from '../streaming/feed/feed-sink';
import { parseVenueTopOfBook } from '../infrastructure/market/venue-top-of-book';
import { venueQuotesOfVenue } from '../infrastructure/market/subjects';
import { decimalToTicks } from '../streaming/market/ticks';

/** This venue's top of book for one symbol, in integer ticks (1 tick = $0.0001) and whole shares. */
export type VenueQuote = { readonly bidTicks: number; readonly askTicks: number; readonly bidSize: number; readonly askSize: number };

/** The latest top of book the venue quotes, per symbol, and a callback on each change (resting orders may now cross). */
export class VenueQuotes {
  private readonly quotes = new Map<string, VenueQuote>();
  private listener: (symbol: string, quote: VenueQuote) => void = () => undefined;

  get(symbol: string): VenueQuote | undefined {
    return this.quotes.get(symbol);
  }

  set(symbol: string, quote: VenueQuote): void {
    this.quotes.set(symbol, quote);
    this.listener(symbol, quote);
  }

  onChange(listener: (symbol: string, quote: VenueQuote) => void): void {
    this.listener = listener;
  }
}

/**
 * Embedded mode: a tee on the simulated feed that keeps this venue's own level-0 quotes, so the venue fills
 * at exactly the prices the feed shows it quoting. `symbols[i]` is the feed's symbol id i.
 */
export const venueQuoteSink = (venueId: number, symbols: readonly string[], quotes: VenueQuotes): FeedSink => ({
  onQuote: (symbolId, quoteVenueId, level, bidTicks, askTicks, bidSize, askSize) => {
    if (quoteVenueId !== venueId || level !== 0) return;
    const symbol = symbols[symbolId];
    if (symbol !== undefined) quotes.set(symbol, { bidTicks, askTicks, bidSize, askSize });
  },
  onTrade: () => undefined,
  onHalt: () => undefined,
});

/**
 * Distributed mode: the venue process quotes its own top of book as ingest publishes it
 * (`md.venue.<MIC>.<SYM>`), the same quote the gateway's router ranks it on, so it fills at the price it was
 * chosen for.
 */
export const venueQuotesFromBus = (bus: Bus, mic: string, quotes: VenueQuotes): BusSubscription =>
  bus.subscribe(venueQuotesOfVenue(mic), (message) => {
    const parsed = parseVenueTopOfBook(message.data);
    if (parsed === undefined || parsed.venue !== mic) return; // fresh or dropped: a garbled quote is skipped and the next one counts
    const bidTicks = parsed.bid === null ? 0 : decimalToTicks(parsed.bid) ?? 0;
    const askTicks = parsed.ask === null ? 0 : decimalToTicks(parsed.ask) ?? 0;
    quotes.set(parsed.symbol, { bidTicks, askTicks, bidSize: parsed.bid_size, askSize: parsed.ask_size });
  });
