import type { CandleTicks } from './candle';
import { ticksToDecimal } from './ticks';

/** A candle at the edge (REST and the live `candles` channel): decimal-string prices, whole-share volume. */
export const candleJson = (c: CandleTicks) => ({
  t: new Date(c.bucketStartMs).toISOString(),
  open: ticksToDecimal(c.openTicks), high: ticksToDecimal(c.highTicks), low: ticksToDecimal(c.lowTicks), close: ticksToDecimal(c.closeTicks),
  volume: c.volume, trades: c.tradeCount,
});
