import { randomBytes, randomUUID } from 'node:crypto';
import { connectNatsBus, type NatsBus } from '../infrastructure/bus/nats';
import type { FeedSink } from '../streaming/feed/feed-sink';
import { venueQuotePublisher } from '../streaming/ingest/venue-quote-publisher';
import { decimalToTicks } from '../streaming/market/ticks';
import { venueId } from '../streaming/market/venues';
import { startExecutionRig, type ExecutionRig } from './support/execution-rig';
import { startTradingHarness, type TradingHarness } from './support/trading-harness';
import { waitFor } from './support/wait-for';

jest.setTimeout(60_000);

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const SYMBOLS = ['AAPL', 'MSFT'];

/**
 * Distributed mode's per-venue quotes, through the real NATS: ingest's publisher puts each venue's top of book
 * on `md.venue.<MIC>.<SYM>`, the venues quote from it and the gateway's router ranks on it.
 */
describe('per-venue quotes over NATS: the router never sends a marketable order to a venue worse than the NBBO', () => {
  let h: TradingHarness;
  let rig: ExecutionRig;
  let ingestBus: NatsBus;
  let gatewayBus: NatsBus;
  let feed: FeedSink;
  let feedMs = Date.UTC(2026, 10, 24, 15, 0, 0);

  /** What the feed says a venue quotes; resolves once both the router and that venue see it. */
  const venueQuotes = async (symbol: string, quotes: Record<string, [bid: string, ask: string]>) => {
    for (const [venue, [bid, ask]] of Object.entries(quotes)) {
      feedMs += 1;
      feed.onQuote(SYMBOLS.indexOf(symbol), venueId(venue)!, 0, decimalToTicks(bid)!, decimalToTicks(ask)!, 1_000, 1_000, feedMs);
    }
    await waitFor(async () => {
      const seen = await rig.routerQuotes.quotesOf(symbol);
      const everyone = Object.entries(quotes).every(([venue, [bid, ask]]) =>
        seen.some((q) => q.venue === venue && q.bid === bid && q.ask === ask) && rig.venues.get(venue)!.quotes.get(symbol)?.askTicks === decimalToTicks(ask));
      return everyone ? true : undefined;
    }, `the ${symbol} quotes to cross NATS`);
  };

  beforeAll(async () => {
    const prefix = `test.${randomBytes(4).toString('hex')}.`;
    [ingestBus, gatewayBus] = await Promise.all([
      connectNatsBus({ servers: NATS_URL, subjectPrefix: prefix, name: 'venue-quotes-ingest' }),
      connectNatsBus({ servers: NATS_URL, subjectPrefix: prefix, name: 'venue-quotes-gateway' }),
    ]);
    feed = venueQuotePublisher(ingestBus, SYMBOLS);
    h = await startTradingHarness('venue_quotes_nats');
    rig = await startExecutionRig(h, { bus: gatewayBus, venues: ['XNYS', 'XNAS', 'ARCX'] });
  });
  afterAll(async () => {
    await rig.stop();
    await h.close();
    await Promise.all([ingestBus.close(), gatewayBus.close()]);
  });

  const nbbo = async (symbol: string, bid: string, ask: string) => {
    await h.market.writeBatch([{ kind: 'quote', symbol, json: JSON.stringify({ symbol, bid, ask, bid_size: 1_000, ask_size: 1_000, last: ask, volume: 0, ts: new Date(feedMs).toISOString() }) }]);
  };
  const routeOf = async (accountId: string, orderId: string) => {
    for await (const e of h.store.readStream(`account-${accountId}`)) {
      if (e.type === 'OrderRouted' && (e.data as { orderId: string }).orderId === orderId) return e.data as { venue: string; nbboBid: string | null; nbboAsk: string | null; candidates: { venue: string; bid: string | null; ask: string | null; eligible: boolean }[] };
    }
    return undefined;
  };
  const placeAndFill = async (token: string, body: Record<string, unknown>) => {
    const reply = await h.request('POST', '/v1/orders', { token, key: randomUUID(), body: { symbol: 'AAPL', type: 'market', time_in_force: 'day', ...body } });
    expect(reply.status).toBe(201);
    const orderId = reply.body.order_id as string;
    const filled = await waitFor(async () => {
      const o = (await h.request('GET', `/v1/orders/${orderId}`, { token })).body;
      return o.status === 'filled' ? o : undefined;
    }, `order ${orderId} filled`);
    return { orderId, filled };
  };

  it('a market buy goes to the venue offering the best ask, though the first-listed venue quotes worse, and fills there', async () => {
    await venueQuotes('AAPL', { XNYS: ['189.95', '190.05'], XNAS: ['189.99', '190.01'], ARCX: ['189.90', '190.03'] });
    await nbbo('AAPL', '189.99', '190.01');
    const user = await h.fundedAccount('10000.00');
    const { orderId, filled } = await placeAndFill(user.token, { side: 'buy', quantity: '2' });
    expect(filled.avg_fill_price).toBe('190.01');
    const route = await routeOf(user.accountId, orderId);
    expect(route).toMatchObject({ venue: 'XNAS', nbboAsk: '190.01', nbboBid: '189.99' });
    // Every venue's own quote, as NATS carried it, is recorded with the decision; those worse than the NBBO were not eligible.
    expect(route!.candidates).toEqual(expect.arrayContaining([
      expect.objectContaining({ venue: 'XNYS', ask: '190.05', eligible: false }),
      expect.objectContaining({ venue: 'XNAS', ask: '190.01', eligible: true }),
      expect.objectContaining({ venue: 'ARCX', ask: '190.03', eligible: false }),
    ]));
  });

  it('when the quotes move, the next order follows them: a market sell goes to the venue with the best bid', async () => {
    await venueQuotes('AAPL', { XNYS: ['190.02', '190.06'], XNAS: ['189.97', '190.04'], ARCX: ['190.00', '190.05'] });
    await nbbo('AAPL', '190.02', '190.04');
    const user = await h.fundedAccount('10000.00');
    await placeAndFill(user.token, { side: 'buy', quantity: '3' });
    const { orderId, filled } = await placeAndFill(user.token, { side: 'sell', quantity: '3' });
    expect(filled.avg_fill_price).toBe('190.02');
    expect(await routeOf(user.accountId, orderId)).toMatchObject({ venue: 'XNYS', nbboBid: '190.02' });
  });

  it('a marketable limit buy skips a venue whose ask is worse than the NBBO even when its limit would take that ask', async () => {
    await venueQuotes('MSFT', { XNYS: ['399.90', '400.10'], XNAS: ['399.95', '400.08'], ARCX: ['399.99', '400.01'] });
    await nbbo('MSFT', '399.99', '400.01');
    const user = await h.fundedAccount('10000.00');
    const { orderId, filled } = await placeAndFill(user.token, { symbol: 'MSFT', side: 'buy', type: 'limit', limit_price: '400.10', quantity: '1' });
    expect(filled.avg_fill_price).toBe('400.01');
    expect(await routeOf(user.accountId, orderId)).toMatchObject({ venue: 'ARCX', nbboAsk: '400.01' });
  });
});
