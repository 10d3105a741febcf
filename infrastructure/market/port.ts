import type { CandleDelta, CandleInterval, CandleTicks } from '../../streaming/market/candle';
import type { Book, Quote } from './quote';

/**
 * What the trading plane and the read API may ask of market data. Answers may be stale or missing (AP plane):
 * callers decide what a missing quote means for them; nothing here waits for the feed.
 */
export interface MarketDataReader {
  lastQuote(symbol: string): Promise<Quote | undefined>;
  /** The last quote of each symbol, in order, in one round trip (a portfolio read prices every position). */
  lastQuotes(symbols: readonly string[]): Promise<ReadonlyArray<Quote | undefined>>;
  /** The halt's end when `symbol` is halted at `nowMs`, else undefined. */
  haltedUntilMs(symbol: string, nowMs: number): Promise<number | undefined>;
  lastBook(symbol: string): Promise<Book | undefined>;
}

/** One coalesced write of ingest's latest state; JSON is the edge shape (`Quote`, `Book`, `Halt`). */
export type SnapshotEntry =
  | { readonly kind: 'quote'; readonly symbol: string; readonly json: string }
  | { readonly kind: 'book'; readonly symbol: string; readonly json: string }
  | { readonly kind: 'halt'; readonly symbol: string; readonly haltedUntilMs: number; readonly ttlMs: number };

/** Where ingest leaves the latest quote, book and halt of each symbol. Latest wins; nothing is queued. */
export interface MarketSnapshotWriter {
  writeBatch(entries: readonly SnapshotEntry[]): Promise<void>;
}

/** Where ingest merges candle deltas and the read API reads candles (PostgreSQL, or in memory). */
export interface CandleStore {
  upsertDeltas(deltas: readonly CandleDelta[]): Promise<void>;
  /** Candles with fromMs <= bucketStartMs < toMs, oldest first, at most `limit`. */
  candles(symbol: string, interval: CandleInterval, fromMs: number, toMs: number, limit: number): Promise<CandleTicks[]>;
}
