import { parseVenueTopOfBook } from '../../infrastructure/market/venue-top-of-book';
import { createRecordingBus } from '../../test/support/recording-bus';
import { venueQuotePublisher } from './venue-quote-publisher';

const endOfTurn = () => new Promise<void>((resolve) => { queueMicrotask(resolve); });

describe('venueQuotePublisher: each venue\'s own top of book on md.venue.<MIC>.<SYM>', () => {
  it('publishes only the latest top of each venue and symbol per turn, and nothing for deeper levels', async () => {
    const bus = createRecordingBus();
    const feed = venueQuotePublisher(bus, ['AAPL', 'BRK.B']);
    feed.onQuote(0, 0, 0, 1_899_900, 1_900_100, 100, 200, 1_000);
    feed.onQuote(0, 0, 0, 1_899_800, 1_900_200, 300, 400, 1_001);
    feed.onQuote(0, 1, 1, 1_899_000, 1_901_000, 100, 100, 1_002);
    feed.onQuote(1, 3, 0, 4_100_000, 0, 50, 0, 1_003);
    expect(bus.messages).toHaveLength(0);
    await endOfTurn();
    expect(bus.messages.map((m) => m.subject)).toEqual(['md.venue.XNYS.AAPL', 'md.venue.BATS.BRK_B']);
    expect(bus.json('md.venue.XNYS')).toEqual([{ symbol: 'AAPL', venue: 'XNYS', bid: '189.98', ask: '190.02', bid_size: 300, ask_size: 400, ts: new Date(1_001).toISOString() }]);
    expect(bus.json('md.venue.BATS')).toEqual([expect.objectContaining({ symbol: 'BRK.B', bid: '410.00', ask: null, ask_size: 0 })]);
    feed.onQuote(0, 0, 0, 1_899_900, 1_900_100, 100, 200, 1_004);
    await endOfTurn();
    expect(bus.messages).toHaveLength(3);
  });

  it('reads back what it wrote, and refuses what is not a venue quote', () => {
    const bytes = (value: unknown) => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));
    const good = { symbol: 'AAPL', venue: 'XNAS', bid: '1.5', ask: null, bid_size: 1, ask_size: 0, ts: 'x' };
    expect(parseVenueTopOfBook(bytes(good))).toEqual(good);
    for (const bad of ['{', 'null', { ...good, bid: 1.5 }, { ...good, ask: '-1' }, { ...good, bid_size: 1.5 }, { ...good, venue: undefined }, { ...good, ts: 0 }]) {
      expect(parseVenueTopOfBook(bytes(bad))).toBeUndefined();
    }
  });
});
