import { ticksToDecimal } from '../market/ticks';
import type { AggregatedLevels } from './depth-book';

// Hand-built JSON: the shapes are fixed, symbols are [A-Z0-9.] and prices come from the exact tick formatter,
// so nothing needs escaping, and this runs on every NBBO change.
const priceOrNull = (ticks: number): string => (ticks > 0 ? `"${ticksToDecimal(ticks)}"` : 'null');

// Feed timestamps repeat across hundreds of consecutive quotes; formatting each millisecond once saves most of the cost.
let isoCachedMs = Number.NaN;
let isoCached = '';
export const isoOf = (tsMs: number): string => {
  if (tsMs !== isoCachedMs) {
    isoCachedMs = tsMs;
    isoCached = new Date(tsMs).toISOString();
  }
  return isoCached;
};

/** A message for the bus: the edge shape with the client's `channel` as its last member (see CHANNEL_OF_KIND). */
export const withChannel = (json: string, channel: string): string => `${json.slice(0, -1)},"channel":"${channel}"}`;

/** `Quote` (infrastructure/market/quote.ts), as Redis and the REST API hold it; the bus gets QuoteWriter's bytes. */
export const quoteJson = (symbol: string, bidTicks: number, askTicks: number, bidSize: number, askSize: number, lastTicks: number, volume: number, tsMs: number): string =>
  `{"symbol":"${symbol}","bid":${priceOrNull(bidTicks)},"ask":${priceOrNull(askTicks)},"bid_size":${bidSize},"ask_size":${askSize},"last":${priceOrNull(lastTicks)},"volume":${volume},"ts":"${isoOf(tsMs)}"}`;

export const tradeJson = (symbol: string, venue: string, priceTicks: number, size: number, tsMs: number): string =>
  `{"symbol":"${symbol}","venue":"${venue}","price":"${ticksToDecimal(priceTicks)}","size":${size},"ts":"${isoOf(tsMs)}"}`;

export const haltJson = (symbol: string, haltedUntilMs: number, reason: 'LULD' | 'FEED', tsMs: number): string =>
  `{"symbol":"${symbol}","halted_until":"${isoOf(haltedUntilMs)}","halted_until_ms":${haltedUntilMs},"reason":"${reason}","ts":"${isoOf(tsMs)}"}`;

const levelsJson = (prices: Float64Array, sizes: Float64Array, count: number): string => {
  const parts: string[] = [];
  for (let i = 0; i < count; i += 1) parts.push(`{"price":"${ticksToDecimal(prices[i]!)}","size":${sizes[i]!}}`);
  return `[${parts.join(',')}]`;
};

/** The part of a `Book` that says whether it changed (everything but symbol and ts). */
export const bookLevelsJson = (levels: AggregatedLevels): string =>
  `"bids":${levelsJson(levels.bidPrices, levels.bidSizes, levels.bidCount)},"asks":${levelsJson(levels.askPrices, levels.askSizes, levels.askCount)}`;

export const bookJson = (symbol: string, levelsPart: string, tsMs: number): string => `{"symbol":"${symbol}",${levelsPart},"ts":"${isoOf(tsMs)}"}`;
