import { DAY_MS } from '../../domain/market-hours/eastern-time';
import { costPrice, valueHoldings, type Holdings, type Priced } from '../../domain/portfolio/equity';
import type { CandleStore } from '../../infrastructure/market/port';
import { CANDLE_INTERVAL_MS } from '../../streaming/market/candle';
import { ticksToDecimal } from '../../streaming/market/ticks';

/** How far back a price is looked for before the first instant priced: a long weekend, so Tuesday's open finds Friday's close. */
export const PRICE_LOOKBACK_MS = 5 * DAY_MS;
/** Five days of 5-minute candles (1,440) and a day more: one query per symbol holds the whole window. */
export const CANDLES_PER_SYMBOL_MAX = 2_000;
const BUCKET_MS = CANDLE_INTERVAL_MS['5m'];

/** A symbol's 5-minute closes, oldest first, each with the instant its bucket ends. */
export type CandleCloses = ReadonlyArray<{ readonly endMs: number; readonly price: string }>;

/** The closes of the 5-minute candles ending in (fromMs − lookback, toMs]. */
export const loadCandleCloses = async (candles: CandleStore, symbol: string, fromMs: number, toMs: number): Promise<CandleCloses> =>
  (await candles.candles(symbol, '5m', fromMs - PRICE_LOOKBACK_MS, toMs, CANDLES_PER_SYMBOL_MAX))
    .map((candle) => ({ endMs: candle.bucketStartMs + BUCKET_MS, price: ticksToDecimal(candle.closeTicks) }))
    .filter((close) => close.endMs <= toMs);

/** The last trade before `atMs` the candles know: the close of the last bucket that ended by then. */
export const candlePriceAt = (closes: CandleCloses, atMs: number): string | null => {
  let low = 0;
  let high = closes.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (closes[middle]!.endMs <= atMs) low = middle + 1;
    else high = middle;
  }
  return low === 0 ? null : closes[low - 1]!.price;
};

export type PriceBook = {
  readonly closes: ReadonlyMap<string, CandleCloses>;
  /** The account's last fill price per symbol, up to the instant priced. */
  readonly lastFills: ReadonlyMap<string, string>;
  /** Live quotes, for a snapshot taken at the close itself. */
  readonly quotes?: ReadonlyMap<string, string>;
};

/** Equity at `atMs`: each position priced with the live quote, else the candles' last close, else the last fill, else its cost. */
export const equityAt = (holdings: Holdings, atMs: number, book: PriceBook) => valueHoldings(holdings, (held): Priced => {
  const quote = book.quotes?.get(held.symbol);
  if (quote !== undefined) return { price: quote, source: 'quote' };
  const candle = candlePriceAt(book.closes.get(held.symbol) ?? [], atMs);
  if (candle !== null) return { price: candle, source: 'candle' };
  const fill = book.lastFills.get(held.symbol);
  return fill !== undefined ? { price: fill, source: 'last_fill' } : costPrice(held);
});
