import fc from 'fast-check';
import { DEPTH_LEVELS } from '../feed/feed-sink';
import { BOOK_LEVELS, createAggregatedLevels, DepthBook } from './depth-book';

const VENUES = 4;
type Level = { bid: number; ask: number; bidSize: number; askSize: number };

/** The oracle: every valid venue level, grouped by price, best first, top BOOK_LEVELS. */
const bruteSide = (venues: (Level | undefined)[][], side: 'bid' | 'ask') => {
  const sizeKey = side === 'bid' ? 'bidSize' : 'askSize';
  const better = (a: number, b: number) => (side === 'bid' ? a > b : a < b);
  const bySize = new Map<number, number>();
  for (const levels of venues) {
    const top = levels[0];
    if (!top || top[side] === 0 || top[sizeKey] === 0) continue;
    levels.forEach((level, i) => {
      if (!level || level[side] === 0 || level[sizeKey] === 0) return;
      if (i > 0 && !better(top[side], level[side])) return;
      bySize.set(level[side], (bySize.get(level[side]) ?? 0) + level[sizeKey]);
    });
  }
  return [...bySize.entries()].sort(([a], [b]) => (better(a, b) ? -1 : 1)).slice(0, BOOK_LEVELS).map(([price, size]) => ({ price, size }));
};

const updateArb = fc.record({
  venue: fc.integer({ min: 0, max: VENUES - 1 }),
  level: fc.integer({ min: 0, max: DEPTH_LEVELS - 1 }),
  bid: fc.integer({ min: 0, max: 8 }).map((k) => (k === 0 ? 0 : 1_000_000 - k * 100)),
  ask: fc.integer({ min: 0, max: 8 }).map((k) => (k === 0 ? 0 : 1_000_000 + k * 100)),
  bidSize: fc.constantFrom(0, 100, 500),
  askSize: fc.constantFrom(0, 200, 700),
});

describe('L2 top-5 across venues', () => {
  it('equals a brute-force aggregation after every update', () => {
    fc.assert(fc.property(fc.array(updateArb, { maxLength: 200 }), (updates) => {
      const book = new DepthBook(2, VENUES);
      const out = createAggregatedLevels();
      const venues: (Level | undefined)[][] = Array.from({ length: VENUES }, () => new Array<Level | undefined>(DEPTH_LEVELS).fill(undefined));
      for (const u of updates) {
        book.update(1, u.venue, u.level, u.bid, u.ask, u.bidSize, u.askSize);
        venues[u.venue]![u.level] = u;
        book.aggregate(1, out);
        const bids = Array.from({ length: out.bidCount }, (_, i) => ({ price: out.bidPrices[i], size: out.bidSizes[i] }));
        const asks = Array.from({ length: out.askCount }, (_, i) => ({ price: out.askPrices[i], size: out.askSizes[i] }));
        expect(bids).toEqual(bruteSide(venues, 'bid'));
        expect(asks).toEqual(bruteSide(venues, 'ask'));
      }
      book.aggregate(0, out);
      expect([out.bidCount, out.askCount]).toEqual([0, 0]);
    }), { numRuns: 200 });
  });
});
