/**
 * What the market data plane says about one symbol at the edge (NATS `md.quote.<SYM>`, Redis, REST).
 * Prices are decimal strings (null when that side or the last trade is absent); sizes and volume are whole shares,
 * as in the seed's stream messages. `ts` is the feed's ISO-8601 timestamp of the update.
 */
export type Quote = {
  readonly symbol: string;
  readonly bid: string | null;
  readonly ask: string | null;
  readonly bid_size: number;
  readonly ask_size: number;
  readonly last: string | null;
  readonly volume: number;
  readonly ts: string;
};

export type BookLevel = { readonly price: string; readonly size: number };

/** Top price levels aggregated across venues (`md.book.<SYM>`), best first. */
export type Book = {
  readonly symbol: string;
  readonly bids: readonly BookLevel[];
  readonly asks: readonly BookLevel[];
  readonly ts: string;
};

/** A trading halt (`md.halt.<SYM>`): LULD from ingest, or declared by the feed. */
export type Halt = {
  readonly symbol: string;
  readonly halted_until: string;
  readonly halted_until_ms: number;
  readonly reason: 'LULD' | 'FEED';
  readonly ts: string;
};

export type Trade = {
  readonly symbol: string;
  readonly venue: string;
  readonly price: string;
  readonly size: number;
  readonly ts: string;
};

/**
 * One venue's top of book (`md.venue.<MIC>.<SYM>`): prices as decimal strings, null when that side is empty;
 * sizes in whole shares; `ts` the feed's ISO-8601 time of the update.
 */
export type VenueTopOfBook = {
  readonly symbol: string;
  readonly venue: string;
  readonly bid: string | null;
  readonly ask: string | null;
  readonly bid_size: number;
  readonly ask_size: number;
  readonly ts: string;
};
