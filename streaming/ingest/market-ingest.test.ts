import fc from 'fast-check';
import { SymbolTable } from '../market/symbol-table';
import { decimalToTicks } from '../market/ticks';
import type { Book, Halt, Quote, Trade } from '../../infrastructure/market/quote';
import { LULD_HALT_MS } from './luld-bands';
import { MarketIngest } from './market-ingest';
import { createRecordingBus } from '../../test/support/recording-bus';

const T0 = Date.UTC(2026, 10, 25, 15);
/** What ingest has handed to the bus so far, by subject prefix (its batch goes out at the end of the turn otherwise). */
const publishedBy = (bus: ReturnType<typeof createRecordingBus>, ingest: MarketIngest) => (subjectPrefix: string): unknown[] => {
  ingest.publishPending();
  return bus.json(subjectPrefix);
};
const setup = (bookMinIntervalMs = 250) => {
  const bus = createRecordingBus();
  const ingest = new MarketIngest(new SymbolTable(['AAPL', 'MSFT']), bus, { bookMinIntervalMs });
  return { bus, ingest, published: publishedBy(bus, ingest) };
};

describe('market ingest', () => {
  it('publishes md.quote exactly when the NBBO changes, with decimal strings', () => {
    fc.assert(fc.property(fc.array(fc.record({
      venue: fc.integer({ min: 0, max: 3 }), bid: fc.constantFrom(1_874_100, 1_874_200), ask: fc.constantFrom(1_874_300, 1_874_400), size: fc.constantFrom(100, 200),
    }), { maxLength: 100 }), (quotes) => {
      const { ingest, published } = setup();
      const last = new Map<number, string>();
      const nbboSeries: string[] = [];
      let previous = '';
      quotes.forEach((q, i) => {
        ingest.onQuote(0, q.venue, 0, q.bid, q.ask, q.size, q.size, T0 + i);
        last.set(q.venue, JSON.stringify(q));
        const all = [...last.values()].map((s) => JSON.parse(s) as typeof q);
        const bid = Math.max(...all.map((x) => x.bid));
        const ask = Math.min(...all.map((x) => x.ask));
        const nbbo = JSON.stringify([bid, ask, all.filter((x) => x.bid === bid).reduce((s, x) => s + x.size, 0), all.filter((x) => x.ask === ask).reduce((s, x) => s + x.size, 0)]);
        if (nbbo !== previous) nbboSeries.push(nbbo);
        previous = nbbo;
      });
      const quotesPublished = published('md.quote.AAPL') as Quote[];
      expect(quotesPublished.map((p) => JSON.stringify([decimalToTicks(p.bid ?? ''), decimalToTicks(p.ask ?? ''), p.bid_size, p.ask_size]))).toEqual(nbboSeries);
      expect(ingest.stats.nbboChanges).toBe(nbboSeries.length);
    }));
  });

  it('publishes a class-share symbol (BRK.B) on one subject token per kind', () => {
    const bus = createRecordingBus();
    const ingest = new MarketIngest(new SymbolTable(['BRK.B']), bus, { bookMinIntervalMs: 0 });
    ingest.onQuote(0, 1, 0, 4_500_000, 4_500_100, 10, 10, T0);
    ingest.onTrade(0, 1, 4_500_050, 5, T0 + 1);
    ingest.publishDueBooks();
    ingest.drainCandles();
    expect([...new Set(bus.messages.map((m) => m.subject))].sort()).toEqual(['md.book.BRK_B', 'md.candle.BRK_B', 'md.quote.BRK_B', 'md.trade.BRK_B']);
    expect(bus.json('md.quote.BRK_B')).toEqual([expect.objectContaining({ symbol: 'BRK.B', bid: '450.00' })]);
  });

  it('shapes quotes and trades for the edge and rolls last and volume into the quote', () => {
    const { ingest, published } = setup();
    ingest.onQuote(0, 1, 0, 1_874_200, 1_874_400, 300, 200, T0);
    ingest.onTrade(0, 1, 1_874_300, 50, T0 + 1);
    ingest.onQuote(0, 2, 0, 1_874_250, 1_874_400, 100, 100, T0 + 2);
    expect(published('md.quote.AAPL')).toEqual([
      { symbol: 'AAPL', bid: '187.42', ask: '187.44', bid_size: 300, ask_size: 200, last: null, volume: 0, ts: '2026-11-25T15:00:00.000Z', channel: 'quotes' },
      { symbol: 'AAPL', bid: '187.425', ask: '187.44', bid_size: 100, ask_size: 300, last: '187.43', volume: 50, ts: '2026-11-25T15:00:00.002Z', channel: 'quotes' },
    ]);
    expect(published('md.trade.AAPL') as Trade[]).toEqual([{ symbol: 'AAPL', venue: 'XNAS', price: '187.43', size: 50, ts: '2026-11-25T15:00:00.001Z', channel: 'trades' }]);
  });

  it('coalesces snapshots: one entry per symbol, the latest state', () => {
    const { ingest } = setup();
    ingest.onQuote(0, 0, 0, 1_000_000, 1_000_100, 100, 100, T0);
    ingest.onQuote(0, 0, 0, 1_000_100, 1_000_200, 100, 100, T0 + 1);
    ingest.onTrade(1, 0, 2_000_000, 10, T0 + 2);
    const entries = ingest.drainSnapshots();
    expect(entries.map((e) => [e.kind, e.symbol])).toEqual([['quote', 'AAPL'], ['quote', 'MSFT']]);
    const aapl = entries[0]!;
    expect(aapl.kind === 'quote' && (JSON.parse(aapl.json) as Quote).bid).toBe('100.01');
    expect(ingest.drainSnapshots()).toEqual([]);
  });

  it('publishes the top-5 book on change, at most once per interval of feed time', () => {
    const { ingest, published } = setup(250);
    ingest.onQuote(0, 0, 0, 1_000_000, 1_000_100, 100, 100, T0);
    ingest.onQuote(0, 1, 0, 1_000_000, 1_000_200, 200, 100, T0);
    expect(ingest.publishDueBooks()).toBe(1);
    ingest.onQuote(0, 0, 1, 999_900, 1_000_300, 500, 500, T0 + 100);
    expect(ingest.publishDueBooks()).toBe(0); // changed, but inside the interval
    ingest.onQuote(1, 0, 0, 2_000_000, 2_000_100, 100, 100, T0 + 250);
    expect(ingest.publishDueBooks()).toBe(2);
    ingest.onQuote(0, 0, 0, 1_000_000, 1_000_100, 100, 100, T0 + 600); // same as before: no change
    expect(ingest.publishDueBooks()).toBe(0);
    const books = published('md.book.AAPL') as Book[];
    expect(books.at(-1)).toEqual({
      symbol: 'AAPL',
      bids: [{ price: '100.00', size: 300 }, { price: '99.99', size: 500 }],
      asks: [{ price: '100.01', size: 100 }, { price: '100.02', size: 100 }, { price: '100.03', size: 500 }],
      ts: '2026-11-25T15:00:00.250Z',
      channel: 'book',
    });
    expect(ingest.drainSnapshots().filter((e) => e.kind === 'book').map((e) => e.symbol)).toEqual(['AAPL', 'MSFT']);
  });

  it('halts a symbol that moves more than 5% within 5 minutes, once, for 5 minutes', () => {
    const { ingest, published } = setup();
    ingest.onTrade(0, 0, 1_000_000, 100, T0);
    ingest.onTrade(0, 0, 1_060_000, 100, T0 + 120_000);
    ingest.onTrade(0, 0, 1_200_000, 100, T0 + 130_000); // during the halt: no second halt
    expect(published('md.halt.AAPL') as Halt[]).toEqual([{
      symbol: 'AAPL', halted_until: new Date(T0 + 120_000 + LULD_HALT_MS).toISOString(), halted_until_ms: T0 + 120_000 + LULD_HALT_MS, reason: 'LULD', ts: new Date(T0 + 120_000).toISOString(), channel: 'halts',
    }]);
    expect(ingest.drainSnapshots().filter((e) => e.kind === 'halt')).toEqual([{ kind: 'halt', symbol: 'AAPL', haltedUntilMs: T0 + 120_000 + LULD_HALT_MS, ttlMs: LULD_HALT_MS }]);
    // After expiry the window starts from the first trade after the halt.
    const resumedMs = T0 + 120_000 + LULD_HALT_MS;
    ingest.onTrade(0, 0, 1_300_000, 100, resumedMs);
    ingest.onTrade(0, 0, 1_310_000, 100, resumedMs + 1);
    expect(published('md.halt.AAPL')).toHaveLength(1);
    ingest.onTrade(0, 0, 1_380_000, 100, resumedMs + 2);
    expect(published('md.halt.AAPL')).toHaveLength(2);
  });

  it('passes feed-declared halts on with their own end', () => {
    const { ingest, published } = setup();
    ingest.onHalt(1, T0 + 60_000, T0);
    expect((published('md.halt.MSFT') as Halt[])[0]).toMatchObject({ reason: 'FEED', halted_until_ms: T0 + 60_000 });
    expect(ingest.haltedUntilMs[1]).toBe(T0 + 60_000);
  });

  it('publishes each traded symbol\'s live candles of every interval in one md.candle message per drain', () => {
    const { bus, ingest, published } = setup();
    const T = Date.UTC(2026, 10, 25, 15, 0, 0);
    ingest.onTrade(0, 0, 1_874_300, 50, T + 1_000);
    ingest.onTrade(0, 1, 1_875_000, 20, T + 2_000);
    ingest.drainCandles();
    ingest.onTrade(0, 2, 1_873_000, 30, T + 3_000);
    ingest.drainCandles();
    ingest.onTrade(0, 0, 1_876_000, 10, T + 61_000); // the next minute: a new 1m candle, the same 5m one
    ingest.drainCandles();
    const messages = published('md.candle.') as { symbol: string; candles: Record<string, { t: string; open: string; high: string; low: string; close: string; volume: number }> }[];
    expect(messages).toHaveLength(3);
    expect(bus.messages.filter((m) => m.subject.startsWith('md.candle.')).every((m) => m.subject === 'md.candle.AAPL')).toBe(true);
    expect(messages[1]!.candles['1m']).toEqual({ t: new Date(T).toISOString(), open: '187.43', high: '187.50', low: '187.30', close: '187.30', volume: 100, trades: 3 });
    expect(messages[2]!.candles['1m']).toMatchObject({ t: new Date(T + 60_000).toISOString(), open: '187.60', close: '187.60', volume: 10 });
    expect(messages[2]!.candles['5m']).toMatchObject({ open: '187.43', high: '187.60', low: '187.30', close: '187.60', volume: 110 });
    expect(Object.keys(messages[2]!.candles).sort()).toEqual(['1d', '1h', '1m', '5m']);
  });
});
