import { Pool } from 'pg';
import { createTestDatabase, type TestDatabase } from '../../test/support/pg-database';
import type { CandleDelta } from '../../streaming/market/candle';
import { createInMemoryCandleStore } from './candle-store-in-memory';
import { CANDLE_UPSERT_BATCH_ROWS, createPgCandleStore, ensureCandleSchema } from './candle-store-pg';

const MINUTE_MS = 60_000;
const T0 = Date.UTC(2026, 10, 25, 15);
const delta = (bucketStartMs: number, o: number, h: number, l: number, c: number, volume: number, symbol = 'AAPL'): CandleDelta =>
  ({ symbol, interval: '1m', bucketStartMs, openTicks: o, highTicks: h, lowTicks: l, closeTicks: c, volume, tradeCount: 1 });

describe('candle persistence (real PostgreSQL)', () => {
  let db: TestDatabase;
  let pool: Pool;

  beforeAll(async () => {
    db = await createTestDatabase('market_candles');
    pool = new Pool({ connectionString: db.url, max: 2 });
    await ensureCandleSchema(pool);
    await ensureCandleSchema(pool); // idempotent
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  it('merges deltas of one bucket: first open, widest range, last close, summed volume', async () => {
    const store = createPgCandleStore(pool);
    await store.upsertDeltas([delta(T0, 100, 120, 90, 110, 10), delta(T0, 111, 130, 95, 105, 5)]);
    await store.upsertDeltas([delta(T0, 104, 104, 80, 104, 1)]);
    expect(await store.candles('AAPL', '1m', T0, T0 + MINUTE_MS, 10)).toEqual([
      { symbol: 'AAPL', interval: '1m', bucketStartMs: T0, openTicks: 100, highTicks: 130, lowTicks: 80, closeTicks: 104, volume: 16, tradeCount: 3 },
    ]);
  });

  it('writes big flushes in batches and reads ranges oldest first, bounded, like the in-memory store', async () => {
    const store = createPgCandleStore(pool);
    const memory = createInMemoryCandleStore();
    const deltas = Array.from({ length: CANDLE_UPSERT_BATCH_ROWS + 500 }, (_, i) => delta(T0 + i * MINUTE_MS, 1_000_000 + i, 1_000_100 + i, 999_900 + i, 1_000_050 + i, i + 1, 'MSFT'));
    await store.upsertDeltas(deltas);
    await memory.upsertDeltas(deltas);
    const from = T0 + 10 * MINUTE_MS;
    const to = T0 + 2_400 * MINUTE_MS;
    const rows = await store.candles('MSFT', '1m', from, to, 1_000);
    expect(rows).toHaveLength(1_000);
    expect(rows[0]!.bucketStartMs).toBe(from);
    expect(rows).toEqual(await memory.candles('MSFT', '1m', from, to, 1_000));
    expect(await store.candles('MSFT', '5m', from, to, 1_000)).toEqual([]);
    const prices = await pool.query<{ high_ticks: string }>("SELECT high_ticks::text FROM market_candles WHERE symbol = 'MSFT' ORDER BY bucket_start DESC LIMIT 1");
    expect(prices.rows[0]!.high_ticks).toBe(String(1_000_100 + CANDLE_UPSERT_BATCH_ROWS + 499));
  });
});
