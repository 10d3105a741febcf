import { mergeCandleDelta, type CandleTicks } from '../../streaming/market/candle';
import type { CandleStore } from './port';

/** Embedded mode and unit tests. Same merge rule as the PostgreSQL adapter. */
export const createInMemoryCandleStore = (): CandleStore => {
  const rows = new Map<string, CandleTicks>();
  const keyOf = (symbol: string, interval: string, bucketStartMs: number) => `${symbol}|${interval}|${bucketStartMs}`;
  return {
    upsertDeltas: async (deltas) => {
      for (const delta of deltas) {
        const key = keyOf(delta.symbol, delta.interval, delta.bucketStartMs);
        rows.set(key, mergeCandleDelta(rows.get(key), delta));
      }
    },
    candles: async (symbol, interval, fromMs, toMs, limit) => {
      const found = [...rows.values()]
        .filter((c) => c.symbol === symbol && c.interval === interval && c.bucketStartMs >= fromMs && c.bucketStartMs < toMs)
        .sort((a, b) => a.bucketStartMs - b.bucketStartMs);
      return found.slice(0, limit);
    },
  };
};

