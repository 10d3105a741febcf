import { invariant } from '../../domain/invariant';
import { CANDLE_INTERVALS, type CandleInterval, type CandleTicks } from '../../streaming/market/candle';
import type { CandleStore } from './port';

/** Rows per INSERT; one statement with array parameters keeps a flush to a handful of round trips. */
export const CANDLE_UPSERT_BATCH_ROWS = 2_000;

/** The part of `pg.Pool` / PGlite this adapter uses, so embedded mode can hand it PGlite. */
export type SqlClient = { query(text: string, params?: unknown[]): Promise<{ rows: unknown[] }> };

export const CANDLE_SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS market_candles (
  symbol        text        NOT NULL,
  interval      text        NOT NULL CHECK (interval IN (${CANDLE_INTERVALS.map((i) => `'${i}'`).join(', ')})),
  bucket_start  timestamptz NOT NULL,
  open_ticks    bigint      NOT NULL,
  high_ticks    bigint      NOT NULL,
  low_ticks     bigint      NOT NULL,
  close_ticks   bigint      NOT NULL,
  volume        bigint      NOT NULL,
  trade_count   bigint      NOT NULL,
  PRIMARY KEY (symbol, interval, bucket_start)
)`;

export const ensureCandleSchema = async (sql: SqlClient): Promise<void> => {
  await sql.query(CANDLE_SCHEMA_SQL);
};

// Merge rule of CandleDelta: keep open, widen high/low, replace close, add volume and trades.
const UPSERT_SQL = `
INSERT INTO market_candles AS c (symbol, interval, bucket_start, open_ticks, high_ticks, low_ticks, close_ticks, volume, trade_count)
SELECT s, i, to_timestamp(b::double precision / 1000), o, h, l, cl, v, n
FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[])
  AS d(s, i, b, o, h, l, cl, v, n)
ON CONFLICT (symbol, interval, bucket_start) DO UPDATE SET
  high_ticks = GREATEST(c.high_ticks, EXCLUDED.high_ticks),
  low_ticks = LEAST(c.low_ticks, EXCLUDED.low_ticks),
  close_ticks = EXCLUDED.close_ticks,
  volume = c.volume + EXCLUDED.volume,
  trade_count = c.trade_count + EXCLUDED.trade_count`;

const SELECT_SQL = `
SELECT symbol, interval, (extract(epoch FROM bucket_start) * 1000)::bigint::text AS bucket_start_ms,
  open_ticks::text, high_ticks::text, low_ticks::text, close_ticks::text, volume::text, trade_count::text
FROM market_candles
WHERE symbol = $1 AND interval = $2 AND bucket_start >= to_timestamp($3::double precision / 1000) AND bucket_start < to_timestamp($4::double precision / 1000)
ORDER BY bucket_start
LIMIT $5`;

type CandleRow = {
  symbol: string; interval: CandleInterval; bucket_start_ms: string;
  open_ticks: string; high_ticks: string; low_ticks: string; close_ticks: string; volume: string; trade_count: string;
};

const toCandle = (row: CandleRow): CandleTicks => ({
  symbol: row.symbol, interval: row.interval, bucketStartMs: Number(row.bucket_start_ms),
  openTicks: Number(row.open_ticks), highTicks: Number(row.high_ticks), lowTicks: Number(row.low_ticks),
  closeTicks: Number(row.close_ticks), volume: Number(row.volume), tradeCount: Number(row.trade_count),
});

/** Several deltas of one bucket in one statement would hit ON CONFLICT twice; fold them first, in order. */
const foldSameBucket = (deltas: readonly CandleTicks[]): CandleTicks[] => {
  const folded = new Map<string, CandleTicks>();
  for (const d of deltas) {
    const key = `${d.symbol}|${d.interval}|${d.bucketStartMs}`;
    const prior = folded.get(key);
    folded.set(key, prior === undefined ? d : {
      ...prior, highTicks: Math.max(prior.highTicks, d.highTicks), lowTicks: Math.min(prior.lowTicks, d.lowTicks),
      closeTicks: d.closeTicks, volume: prior.volume + d.volume, tradeCount: prior.tradeCount + d.tradeCount,
    });
  }
  return [...folded.values()];
};

export const createPgCandleStore = (sql: SqlClient): CandleStore => ({
  upsertDeltas: async (deltas) => {
    const rows = foldSameBucket(deltas);
    for (let start = 0; start < rows.length; start += CANDLE_UPSERT_BATCH_ROWS) {
      const batch = rows.slice(start, start + CANDLE_UPSERT_BATCH_ROWS);
      await sql.query(UPSERT_SQL, [
        batch.map((r) => r.symbol), batch.map((r) => r.interval), batch.map((r) => String(r.bucketStartMs)),
        batch.map((r) => String(r.openTicks)), batch.map((r) => String(r.highTicks)), batch.map((r) => String(r.lowTicks)),
        batch.map((r) => String(r.closeTicks)), batch.map((r) => String(r.volume)), batch.map((r) => String(r.tradeCount)),
      ]);
    }
  },
  candles: async (symbol, interval, fromMs, toMs, limit) => {
    invariant(Number.isSafeInteger(limit) && limit > 0, 'candle limit must be a positive integer');
    const result = await sql.query(SELECT_SQL, [symbol, interval, fromMs, toMs, limit]);
    return (result.rows as CandleRow[]).map(toCandle);
  },
});
