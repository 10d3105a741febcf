/**
 * Where a feed (simulator or replay) delivers events. Positional primitives, not objects, so the hot path
 * allocates nothing per quote. Ids index the ingest's SymbolTable and VENUES; prices are integer ticks;
 * `level` 0 is the venue's top of book, 1..4 its deeper price levels; `tsMs` is the feed's clock.
 */
export interface FeedSink {
  onQuote(symbolId: number, venueId: number, level: number, bidTicks: number, askTicks: number, bidSize: number, askSize: number, tsMs: number): void;
  onTrade(symbolId: number, venueId: number, priceTicks: number, size: number, tsMs: number): void;
  /** A halt declared by the feed (a venue's regulatory halt), lasting until `haltedUntilMs`. */
  onHalt(symbolId: number, haltedUntilMs: number, tsMs: number): void;
}

/** Price levels per side per venue that a feed may send (level 0..DEPTH_LEVELS-1). */
export const DEPTH_LEVELS = 5;
