import type { Bus } from '../../infrastructure/bus/port';
import { ALL_VENUE_QUOTES } from '../../infrastructure/market/subjects';
import { parseVenueTopOfBook } from '../../infrastructure/market/venue-top-of-book';
import type { VenueQuotes } from './execution-engine';
import type { VenueQuote } from './router';

/** The universe the ingest quotes is bounded (SymbolTable); so is what the gateway keeps of it. */
export const VENUE_QUOTE_SYMBOLS_MAX = 16_384;

/**
 * Distributed mode's per-venue quotes for the router: every venue's top of book as ingest publishes it on
 * `md.venue.<MIC>.<SYM>`, latest wins. The router derives the NBBO from these same quotes, so a marketable
 * order never goes to a venue quoting worse than the best of them, and the venue fills at the quote it was
 * chosen for (the venue processes quote from the same messages).
 */
export const subscribeVenueQuotes = (bus: Bus): VenueQuotes & { readonly symbolCount: () => number; close(): void } => {
  const bySymbol = new Map<string, Map<string, VenueQuote>>();
  const subscription = bus.subscribe(ALL_VENUE_QUOTES, (message) => {
    const quote = parseVenueTopOfBook(message.data);
    if (quote === undefined) return;
    let venues = bySymbol.get(quote.symbol);
    if (venues === undefined) {
      if (bySymbol.size >= VENUE_QUOTE_SYMBOLS_MAX) return;
      venues = new Map();
      bySymbol.set(quote.symbol, venues);
    }
    venues.set(quote.venue, { venue: quote.venue, bid: quote.bid, ask: quote.ask });
  });
  return {
    quotesOf: async (symbol) => [...(bySymbol.get(symbol)?.values() ?? [])],
    symbolCount: () => bySymbol.size,
    close: () => subscription.unsubscribe(),
  };
};
