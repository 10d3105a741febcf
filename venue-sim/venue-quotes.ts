import type { FeedSink } from '../streaming/feed/feed-sink';

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
