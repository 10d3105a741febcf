import Redis from 'ioredis';
import { Pool } from 'pg';
import pino from 'pino';
import { CANDLE_INTERVAL_MS, CANDLE_INTERVALS, type CandleTicks } from '../streaming/market/candle';
import { createPgCandleStore, ensureCandleSchema } from '../infrastructure/market/candle-store-pg';
import { createRedisMarketData } from '../infrastructure/market/redis';
import { SymbolTable } from '../streaming/market/symbol-table';
import { ticksToDecimal } from '../streaming/market/ticks';
import { createTestDatabase, testKeyPrefix, type TestDatabase } from './support/pg-database';
import type { FeedSink } from '../streaming/feed/feed-sink';
import { createPrng } from '../streaming/feed/prng';
import { createFeedSimulator } from '../streaming/feed/simulator';
import { startIngestService } from '../streaming/ingest/ingest-service';
import { MarketIngest } from '../streaming/ingest/market-ingest';
import { createRecordingBus } from './support/recording-bus';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const START_MS = Date.UTC(2026, 10, 25, 14, 58);
const universe = [{ symbol: 'AAPL', priceTicks: 1_874_200 }, { symbol: 'MSFT', priceTicks: 4_151_000 }, { symbol: 'BRK.B', priceTicks: 4_800_000 }];

describe('simulated feed -> ingest -> Redis and PostgreSQL (real services)', () => {
  let db: TestDatabase;
  let pool: Pool;
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const prefix = testKeyPrefix('market_pipeline');

  beforeAll(async () => {
    db = await createTestDatabase('market_pipeline');
    pool = new Pool({ connectionString: db.url, max: 2 });
    await ensureCandleSchema(pool);
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
    await pool.end();
    await db.drop();
  });

  it('leaves the final NBBO in Redis and exact candles in PostgreSQL across several flushes', async () => {
    const symbols = new SymbolTable(universe.map((u) => u.symbol));
    const ingest = new MarketIngest(symbols, createRecordingBus());
    const market = createRedisMarketData(redis, prefix);
    const candles = createPgCandleStore(pool);
    // Timers far apart: this test flushes by hand, so nothing depends on timing.
    const service = startIngestService({ ingest, snapshots: market, candles, logger: pino({ level: 'silent' }), snapshotFlushMs: 3_600_000, candleFlushMs: 3_600_000 });
    const trades: { s: number; price: number; size: number; tsMs: number }[] = [];
    const sink: FeedSink = {
      onQuote: (...args) => ingest.onQuote(...args),
      onTrade: (s, v, price, size, tsMs) => { trades.push({ s, price, size, tsMs }); ingest.onTrade(s, v, price, size, tsMs); },
      onHalt: (...args) => ingest.onHalt(...args),
    };
    const simulator = createFeedSimulator({ symbols: universe, seed: 11, eventsPerSecond: 20, startMs: START_MS, prng: createPrng(11), haltProbability: 0 });
    for (let round = 0; round < 6; round += 1) {
      simulator.emit(sink, 1_000); // 50 s of feed per round: flushes land inside and across minute buckets
      await service.flush();
    }
    await service.stop();

    for (const { symbol } of universe) {
      const s = symbols.id(symbol)!;
      const quote = await market.lastQuote(symbol);
      expect(quote).toMatchObject({
        symbol, bid: ticksToDecimal(ingest.nbbo.bestBid(s)), ask: ticksToDecimal(ingest.nbbo.bestAsk(s)),
        bid_size: ingest.nbbo.bestBidSize(s), ask_size: ingest.nbbo.bestAskSize(s), last: ticksToDecimal(ingest.lastTicksOf(s)),
        volume: trades.filter((t) => t.s === s).reduce((sum, t) => sum + t.size, 0),
      });
      expect((await market.lastBook(symbol))?.symbol).toBe(symbol);
      for (const interval of CANDLE_INTERVALS) {
        const stored = await candles.candles(symbol, interval, 0, START_MS + 86_400_000, 1_000);
        const expected = new Map<number, CandleTicks>();
        for (const t of trades.filter((x) => x.s === s)) {
          const bucketStartMs = Math.floor(t.tsMs / CANDLE_INTERVAL_MS[interval]) * CANDLE_INTERVAL_MS[interval];
          const c = expected.get(bucketStartMs);
          expected.set(bucketStartMs, c === undefined
            ? { symbol, interval, bucketStartMs, openTicks: t.price, highTicks: t.price, lowTicks: t.price, closeTicks: t.price, volume: t.size, tradeCount: 1 }
            : { ...c, highTicks: Math.max(c.highTicks, t.price), lowTicks: Math.min(c.lowTicks, t.price), closeTicks: t.price, volume: c.volume + t.size, tradeCount: c.tradeCount + 1 });
        }
        expect(stored).toEqual([...expected.values()]);
      }
    }
    const aaplMinutes = new Set(trades.filter((t) => t.s === 0).map((t) => Math.floor(t.tsMs / 60_000)));
    expect((await candles.candles('AAPL', '1m', 0, START_MS + 86_400_000, 1_000)).length).toBe(aaplMinutes.size);
    expect(aaplMinutes.size).toBe(5);
  });
});
