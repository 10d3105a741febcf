/** Candle intervals of the seed, with their bucket length. Buckets start at UTC multiples of the length (1d: UTC midnight). */
export const CANDLE_INTERVALS = ['1m', '5m', '1h', '1d'] as const;
export type CandleInterval = (typeof CANDLE_INTERVALS)[number];
export const CANDLE_INTERVAL_MS: Readonly<Record<CandleInterval, number>> = { '1m': 60_000, '5m': 300_000, '1h': 3_600_000, '1d': 86_400_000 };

export const isCandleInterval = (value: string): value is CandleInterval => (CANDLE_INTERVALS as readonly string[]).includes(value);

/** One candle inside the plane: prices in ticks, volume in whole shares. */
export type CandleTicks = {
  readonly symbol: string;
  readonly interval: CandleInterval;
  readonly bucketStartMs: number;
  readonly openTicks: number;
  readonly highTicks: number;
  readonly lowTicks: number;
  readonly closeTicks: number;
  readonly volume: number;
  readonly tradeCount: number;
};

/**
 * What happened in one bucket since the previous flush. The store merges deltas: open is kept from the first
 * delta, high/low widen, close is replaced, volume and trade count add up. Deltas of one bucket must be applied
 * in feed order (ingest flushes sequentially).
 */
export type CandleDelta = CandleTicks;

export const mergeCandleDelta = (existing: CandleTicks | undefined, delta: CandleDelta): CandleTicks =>
  existing === undefined
    ? delta
    : {
        ...existing,
        highTicks: Math.max(existing.highTicks, delta.highTicks),
        lowTicks: Math.min(existing.lowTicks, delta.lowTicks),
        closeTicks: delta.closeTicks,
        volume: existing.volume + delta.volume,
        tradeCount: existing.tradeCount + delta.tradeCount,
      };
