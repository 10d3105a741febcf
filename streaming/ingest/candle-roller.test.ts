import fc from 'fast-check';
import { CANDLE_INTERVALS, CANDLE_INTERVAL_MS, type CandleTicks } from '../market/candle';
import { createInMemoryCandleStore } from '../../infrastructure/market/candle-store-in-memory';
import { SymbolTable } from '../market/symbol-table';
import { CandleRoller } from './candle-roller';

const DAY_START_MS = Date.UTC(2026, 10, 25);
type Trade = { symbol: number; price: number; size: number; tsMs: number };

/** The oracle: OHLCV straight from the trades of each bucket. */
const bruteCandles = (trades: Trade[], symbols: SymbolTable): CandleTicks[] => {
  const out = new Map<string, CandleTicks>();
  for (const interval of CANDLE_INTERVALS) {
    for (const t of trades) {
      const bucketStartMs = Math.floor(t.tsMs / CANDLE_INTERVAL_MS[interval]) * CANDLE_INTERVAL_MS[interval];
      const key = `${t.symbol}|${interval}|${bucketStartMs}`;
      const c = out.get(key);
      out.set(key, c === undefined
        ? { symbol: symbols.name(t.symbol), interval, bucketStartMs, openTicks: t.price, highTicks: t.price, lowTicks: t.price, closeTicks: t.price, volume: t.size, tradeCount: 1 }
        : { ...c, highTicks: Math.max(c.highTicks, t.price), lowTicks: Math.min(c.lowTicks, t.price), closeTicks: t.price, volume: c.volume + t.size, tradeCount: c.tradeCount + 1 });
    }
  }
  return [...out.values()];
};

const tradesArb = fc.array(fc.record({
  symbol: fc.integer({ min: 0, max: 1 }),
  price: fc.integer({ min: 990_000, max: 1_010_000 }),
  size: fc.integer({ min: 1, max: 1_000 }),
  gapMs: fc.constantFrom(0, 1, 999, 30_000, 59_999, 60_000, 300_000, 3_600_000),
  drainAfter: fc.boolean(),
}), { maxLength: 120 });

describe('candles', () => {
  it('hold exactly the OHLCV of the trades in each bucket, however the flushes fall', async () => {
    await fc.assert(fc.asyncProperty(tradesArb, async (rows) => {
      const symbols = new SymbolTable(['AAPL', 'MSFT']);
      const roller = new CandleRoller(symbols);
      const store = createInMemoryCandleStore();
      let tsMs = DAY_START_MS + 86_400_000 - 4 * 3_600_000; // crosses a UTC day boundary
      const trades: Trade[] = [];
      for (const row of rows) {
        tsMs += row.gapMs;
        trades.push({ symbol: row.symbol, price: row.price, size: row.size, tsMs });
        roller.onTrade(row.symbol, row.price, row.size, tsMs);
        if (row.drainAfter) await store.upsertDeltas(roller.drain());
      }
      await store.upsertDeltas(roller.drain());
      const stored: CandleTicks[] = [];
      for (const symbol of ['AAPL', 'MSFT']) {
        for (const interval of CANDLE_INTERVALS) stored.push(...(await store.candles(symbol, interval, 0, Number.MAX_SAFE_INTEGER, 10_000)));
      }
      const key = (c: CandleTicks) => `${c.symbol}|${c.interval}|${c.bucketStartMs}`;
      expect(stored.sort((a, b) => key(a).localeCompare(key(b)))).toEqual(bruteCandles(trades, symbols).sort((a, b) => key(a).localeCompare(key(b))));
    }), { numRuns: 150 });
  });

  it('puts a trade at a bucket boundary into the new bucket', () => {
    const roller = new CandleRoller(new SymbolTable(['AAPL']));
    const boundaryMs = DAY_START_MS + 15 * 60_000;
    roller.onTrade(0, 100, 1, boundaryMs - 1);
    roller.onTrade(0, 200, 1, boundaryMs);
    const oneMinute = roller.drain().filter((d) => d.interval === '1m');
    expect(oneMinute.map((d) => [d.bucketStartMs, d.openTicks])).toEqual([[boundaryMs - 60_000, 100], [boundaryMs, 200]]);
  });
});
