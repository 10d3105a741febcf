import Big from 'big.js';
import fc from 'fast-check';
import type { Holdings } from '../../domain/portfolio/equity';
import { intradayCurve, INTRADAY_STEP_MS } from './intraday';
import type { HoldingsChange } from './query';

const OPEN_MS = Date.UTC(2026, 10, 24, 14, 30);
const SESSION_MS = 390 * 60_000;
const SYMBOLS = ['AAPL', 'MSFT'] as const;

const cents = (n: number) => new Big(n).div(100).toFixed(2);
const holdingsArb: fc.Arbitrary<Holdings> = fc.record({
  cash: fc.integer({ min: -100_000, max: 10_000_000 }).map(cents),
  positions: fc.subarray([...SYMBOLS]).chain((symbols) => fc.tuple(...symbols.map((symbol) => fc.record({
    symbol: fc.constant(symbol), quantity: fc.integer({ min: 1, max: 50_000_000 }).map((m) => new Big(m).div(1e6).toFixed(6)),
    costBasis: fc.integer({ min: 1, max: 5_000_000 }).map(cents),
  })))),
});
const changeArb: fc.Arbitrary<HoldingsChange> = fc.record({
  atMs: fc.integer({ min: OPEN_MS + 1, max: OPEN_MS + SESSION_MS }), holdings: holdingsArb,
  fillSymbol: fc.option(fc.constantFrom(...SYMBOLS), { nil: null }), fillPrice: fc.integer({ min: 100, max: 50_000 }).map(cents),
}).map((c) => (c.fillSymbol === null ? { ...c, fillPrice: null } : c));
const closesArb = fc.array(fc.record({ bucket: fc.integer({ min: -20, max: 77 }), priceCents: fc.integer({ min: 100, max: 50_000 }) }), { maxLength: 40 })
  .map((candles) => [...new Map(candles.map((c) => [c.bucket, c])).values()].sort((a, b) => a.bucket - b.bucket)
    .map((c) => ({ endMs: OPEN_MS + (c.bucket + 1) * INTRADAY_STEP_MS, price: cents(c.priceCents) })));

/** The curve by the definition, point by point, with nothing carried over between points. */
const naiveEquityAt = (atMs: number, start: Holdings | undefined, startFills: Map<string, string>, changes: readonly HoldingsChange[], closes: Map<string, Array<{ endMs: number; price: string }>>): string => {
  const upTo = changes.filter((c) => c.atMs <= atMs);
  const holdings = upTo.length > 0 ? upTo[upTo.length - 1]!.holdings : start ?? { cash: '0.00', positions: [] };
  let equity = new Big(holdings.cash);
  for (const held of holdings.positions) {
    const candle = (closes.get(held.symbol) ?? []).filter((c) => c.endMs <= atMs).pop()?.price;
    const fill = [...upTo].reverse().find((c) => c.fillSymbol === held.symbol)?.fillPrice ?? startFills.get(held.symbol);
    const price = candle ?? fill ?? new Big(held.costBasis).div(held.quantity).round(4, Big.roundHalfEven).toString();
    equity = equity.plus(new Big(price).times(held.quantity).round(2, Big.roundHalfEven));
  }
  return equity.toFixed(2);
};

describe('intraday equity curve', () => {
  it('equals the definition at every point: the last holdings at or before it, priced with the last close, else the last fill, else cost', () => {
    fc.assert(fc.property(
      fc.option(holdingsArb, { nil: undefined }), fc.array(changeArb, { maxLength: 12 }), closesArb, closesArb, fc.integer({ min: 0, max: SESSION_MS }),
      fc.option(fc.integer({ min: 100, max: 50_000 }).map(cents), { nil: undefined }),
      (start, unsorted, aapl, msft, elapsedMs, startFill) => {
        const changes = [...unsorted].sort((a, b) => a.atMs - b.atMs);
        const closes = new Map([['AAPL', aapl], ['MSFT', msft]]);
        const startFills = new Map(startFill === undefined ? [] : [['AAPL', startFill]]);
        const endMs = OPEN_MS + elapsedMs;
        const curve = intradayCurve({ start, startFills, changes, closes, openMs: OPEN_MS, endMs });
        expect(curve.points).toHaveLength(Math.floor(elapsedMs / INTRADAY_STEP_MS));
        expect(curve.base).toEqual({ atMs: OPEN_MS, equity: naiveEquityAt(OPEN_MS, start, startFills, [], closes) });
        curve.points.forEach((point, index) => {
          expect(point.atMs).toBe(OPEN_MS + (index + 1) * INTRADAY_STEP_MS);
          expect(point.equity).toBe(naiveEquityAt(point.atMs, start, startFills, changes, closes));
        });
      },
    ), { numRuns: 300 });
  });
});
