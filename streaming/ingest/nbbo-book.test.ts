import fc from 'fast-check';
import { NbboBook } from './nbbo-book';

const SYMBOLS = 3;
const VENUES = 4;
type VenueQuote = { bid: number; ask: number; bidSize: number; askSize: number };
type Nbbo = { bid: number; ask: number; bidSize: number; askSize: number };

/** The oracle: NBBO from scratch over the last quote of every venue. */
const bruteNbbo = (venues: (VenueQuote | undefined)[]): Nbbo => {
  const bids = venues.filter((q): q is VenueQuote => q !== undefined && q.bid > 0 && q.bidSize > 0);
  const asks = venues.filter((q): q is VenueQuote => q !== undefined && q.ask > 0 && q.askSize > 0);
  const bid = bids.length === 0 ? 0 : Math.max(...bids.map((q) => q.bid));
  const ask = asks.length === 0 ? 0 : Math.min(...asks.map((q) => q.ask));
  return {
    bid, ask,
    bidSize: bids.filter((q) => q.bid === bid).reduce((sum, q) => sum + q.bidSize, 0),
    askSize: asks.filter((q) => q.ask === ask).reduce((sum, q) => sum + q.askSize, 0),
  };
};

// Few distinct prices, so ties across venues (summed sizes) and unchanged NBBOs are common.
const quoteArb = fc.record({
  symbol: fc.integer({ min: 0, max: SYMBOLS - 1 }),
  venue: fc.integer({ min: 0, max: VENUES - 1 }),
  bid: fc.constantFrom(0, 1_000_000, 1_000_100, 1_000_200),
  ask: fc.constantFrom(0, 1_000_300, 1_000_400, 1_000_500),
  bidSize: fc.constantFrom(0, 100, 200),
  askSize: fc.constantFrom(0, 100, 300),
});

describe('NBBO', () => {
  it('equals a brute-force recomputation after every quote, and says changed exactly when it changed', () => {
    fc.assert(fc.property(fc.array(quoteArb, { maxLength: 300 }), (quotes) => {
      const book = new NbboBook(SYMBOLS, VENUES);
      const last: (VenueQuote | undefined)[][] = Array.from({ length: SYMBOLS }, () => new Array<VenueQuote | undefined>(VENUES).fill(undefined));
      const previous: Nbbo[] = Array.from({ length: SYMBOLS }, () => ({ bid: 0, ask: 0, bidSize: 0, askSize: 0 }));
      for (const q of quotes) {
        const changed = book.update(q.symbol, q.venue, q.bid, q.ask, q.bidSize, q.askSize);
        last[q.symbol]![q.venue] = q;
        const expected = bruteNbbo(last[q.symbol]!);
        const actual = { bid: book.bestBid(q.symbol), ask: book.bestAsk(q.symbol), bidSize: book.bestBidSize(q.symbol), askSize: book.bestAskSize(q.symbol) };
        expect(actual).toEqual(expected);
        expect(changed).toBe(JSON.stringify(expected) !== JSON.stringify(previous[q.symbol]));
        previous[q.symbol] = expected;
      }
    }), { numRuns: 300 });
  });

  it('treats a side with size 0 as absent', () => {
    const book = new NbboBook(1, 2);
    book.update(0, 0, 1_000_000, 1_000_100, 100, 100);
    expect(book.update(0, 1, 1_000_050, 1_000_080, 0, 0)).toBe(false);
    expect(book.bestBid(0)).toBe(1_000_000);
  });
});
