import { invariant } from '../../domain/invariant';

/**
 * Market data bus subjects, `md.<kind>.<token>`, built in this one place for the
 * ingest that publishes them and the streaming nodes that subscribe.
 */
export type MarketSubjectKind = 'quote' | 'trade' | 'book' | 'halt' | 'candle';

/**
 * The `channel` a client sees on a message of each kind. Ingest writes it into every message it publishes, as the
 * message's last member, so a streaming node forwards the bytes it receives instead of parsing and re-serializing.
 */
export const CHANNEL_OF_KIND: Readonly<Record<MarketSubjectKind, string>> = { quote: 'quotes', halt: 'halts', trade: 'trades', book: 'book', candle: 'candles' };

/**
 * NATS splits a subject at every dot, so `md.quote.BRK.B` would be four tokens and
 * `md.quote.*` would miss it. A symbol's dot travels as this character instead,
 * which symbols never contain (so the mapping cannot make two symbols collide).
 */
const DOT_STAND_IN = '_';

/** One subject token for a symbol: BRK.B → BRK_B. */
export const subjectToken = (symbol: string): string => {
  invariant(!symbol.includes(DOT_STAND_IN), `symbol ${symbol} holds the dot stand-in`);
  invariant(!/[\s*>]/.test(symbol), `symbol ${symbol} holds a NATS wildcard or space`);
  return symbol.replace(/\./g, DOT_STAND_IN);
};

/** The symbol a subject token stands for: BRK_B → BRK.B. */
export const symbolOfSubjectToken = (token: string): string => token.replace(/_/g, '.');

export const marketSubject = (kind: MarketSubjectKind, symbol: string): string => `md.${kind}.${subjectToken(symbol)}`;

/**
 * One venue's own top of book for one symbol, `md.venue.<MIC>.<SYM>`: what the execution side needs (the router
 * ranks venues on the price each quotes; a simulated venue fills at its own quote). Clients never see it.
 */
export const venueQuoteSubject = (venue: string, symbol: string): string => `md.venue.${subjectToken(venue)}.${subjectToken(symbol)}`;
/** Every symbol's quote from one venue. */
export const venueQuotesOfVenue = (venue: string): string => `md.venue.${subjectToken(venue)}.*`;
/** Every venue's quotes. */
export const ALL_VENUE_QUOTES = 'md.venue.*.*';
