import { Pool } from 'pg';
import pino from 'pino';
import { createTestDatabase, type TestDatabase } from '../test/support/pg-database';
import { type SqlDatabase, sqlDatabaseFromPool } from '../infrastructure/pg/sql-client';
import { FixCodec } from '../fix-gateway/session/codec';
import { FixSessionEngine } from '../fix-gateway/session/fix-session';
import { startFixInitiator, type FixInitiator } from '../fix-gateway/session/initiator';
import type { ExecutionReport, FixAppMessage, NewOrderSingle } from '../fix-gateway/session/messages';
import { sqlFixSessionStore } from '../fix-gateway/session/session-store';
import { VENUE_PROFILES, type VenueProfile } from './profiles';
import { VenueRejectText } from './matcher';
import { startVenue, type RunningVenue } from './venue';
import { VenueQuotes } from './venue-quotes';

const logger = pino({ level: 'silent' });
const waitFor = async (condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};
const T = Date.UTC(2026, 0, 5, 15);
const ticks = (dollars: string): number => Math.round(Number(dollars) * 10_000);
const quote = (bid: string, ask: string, bidSize = 500, askSize = 500) => ({ bidTicks: ticks(bid), askTicks: ticks(ask), bidSize, askSize });

/** Venue and broker over real TCP; `chance` and the profile make each behaviour certain for its test. */
describe('venue simulator: a FIX acceptor filling at its own quotes', () => {
  let testDb: TestDatabase;
  let database: SqlDatabase;
  let quotes: VenueQuotes;
  let venue: RunningVenue;
  let broker: FixSessionEngine;
  let initiator: FixInitiator;
  let chanceValue = 0.5;
  const profile: { current: VenueProfile } = { current: { ...VENUE_PROFILES.XNAS, latencyMs: 1, fillRate: 1, rejectRate: 0, partialFillRate: 0 } };
  const received: FixAppMessage[] = [];
  let clOrdSeq = 0;

  beforeAll(async () => {
    testDb = await createTestDatabase('venue_sim');
    database = sqlDatabaseFromPool(new Pool({ connectionString: testDb.url, max: 4 }), true);
    quotes = new VenueQuotes();
    // The profile object is read on every decision, so a test can change the venue's behaviour in place.
    const live = new Proxy(profile.current, { get: (_, key) => profile.current[key as keyof VenueProfile] });
    venue = await startVenue({ profile: live, database, quotes, logger, nowMs: () => T, chance: () => chanceValue, runId: 'test' });
    broker = new FixSessionEngine({ name: 'broker-XNAS', senderCompId: 'BROKER', targetCompId: 'XNAS', heartbeatIntervalS: 30, role: 'initiator' }, sqlFixSessionStore(database), await FixCodec.create(), logger);
    await broker.load();
    broker.onMessage(async (message) => { received.push(message); });
    initiator = startFixInitiator(broker, () => ({ host: '127.0.0.1', port: venue.port }), logger);
    await broker.loggedOn();
  });
  afterAll(async () => {
    await initiator.stop();
    await venue.stop();
    await database.close();
    await testDb.drop();
  });
  beforeEach(() => {
    chanceValue = 0.5;
    profile.current = { ...VENUE_PROFILES.XNAS, latencyMs: 1, fillRate: 1, rejectRate: 0, partialFillRate: 0 };
  });

  const nos = (symbol: string, fields: Partial<NewOrderSingle>): NewOrderSingle => {
    clOrdSeq += 1;
    return { msgType: 'NewOrderSingle', clOrdId: `c${clOrdSeq}`, symbol, side: 'buy', ordType: 'limit', orderQty: '10', timeInForce: 'day', transactTimeMs: T, ...fields };
  };
  const reportsFor = (clOrdId: string): ExecutionReport[] =>
    received.filter((m): m is ExecutionReport => m.msgType === 'ExecutionReport' && (m.clOrdId === clOrdId || m.origClOrdId === clOrdId));
  const summary = (reports: ExecutionReport[]) => reports.map((r) => [r.execType, r.ordStatus, r.lastQty ?? null, r.lastPx ?? null, r.cumQty, r.leavesQty]);
  const sendAndWait = async (order: NewOrderSingle, count: number): Promise<ExecutionReport[]> => {
    await broker.send(order);
    await waitFor(() => reportsFor(order.clOrdId).length >= count, `${count} reports for ${order.clOrdId}`);
    return reportsFor(order.clOrdId);
  };

  it('fills a marketable limit buy at the venue\'s ask, not at the limit, and a market sell at its bid', async () => {
    quotes.set('AAA', quote('100.00', '100.05'));
    const buy = await sendAndWait(nos('AAA', { price: '101' }), 2);
    expect(summary(buy)).toEqual([['new', 'new', null, null, '0.000000', '10.000000'], ['fill', 'filled', '10.000000', '100.05', '10.000000', '0']]);
    expect(buy[1]!.avgPx).toBe('100.0500');
    const sell = await sendAndWait(nos('AAA', { side: 'sell', ordType: 'market', orderQty: '2.5' }), 2);
    expect(summary(sell)[1]).toEqual(['fill', 'filled', '2.500000', '100.00', '2.500000', '0']);
  });

  it('rests a limit order that does not cross and fills it when the market crosses, at the new quote', async () => {
    quotes.set('BBB', quote('50.00', '50.10'));
    const order = nos('BBB', { price: '49.95' });
    await sendAndWait(order, 1);
    quotes.set('BBB', quote('49.80', '49.98'));
    expect(reportsFor(order.clOrdId)).toHaveLength(1);
    quotes.set('BBB', quote('49.80', '49.90'));
    await waitFor(() => reportsFor(order.clOrdId).length === 2, 'the fill on the cross');
    expect(summary(reportsFor(order.clOrdId))[1]).toEqual(['fill', 'filled', '10.000000', '49.90', '10.000000', '0']);
  });

  it('fills partially up to the quoted size, then the rest on the next quote, with the average price of both', async () => {
    quotes.set('CCC', quote('20.00', '20.01', 100, 100));
    const order = nos('CCC', { ordType: 'market', orderQty: '300' });
    await sendAndWait(order, 2);
    quotes.set('CCC', quote('20.00', '20.03', 100, 1000));
    await waitFor(() => reportsFor(order.clOrdId).length === 3, 'the completing fill');
    const reports = reportsFor(order.clOrdId);
    expect(summary(reports)).toEqual([
      ['new', 'new', null, null, '0.000000', '300.000000'],
      ['partial_fill', 'partially_filled', '100.000000', '20.01', '100.000000', '200.000000'],
      ['fill', 'filled', '200.000000', '20.03', '300.000000', '0'],
    ]);
    expect(reports[2]!.avgPx).toBe('20.0233');
  });

  it('with a partial-fill profile, takes part of what it could and leaves the rest working', async () => {
    profile.current = { ...profile.current, partialFillRate: 1 };
    quotes.set('DDD', quote('10.00', '10.01'));
    const reports = await sendAndWait(nos('DDD', { orderQty: '40', price: '10.01' }), 2);
    expect(summary(reports)[1]).toEqual(['partial_fill', 'partially_filled', '20.000000', '10.01', '20.000000', '20.000000']);
  });

  it('IOC: fills what is there and cancels the remainder at once', async () => {
    quotes.set('EEE', quote('30.00', '30.02', 100, 100));
    const reports = await sendAndWait(nos('EEE', { orderQty: '250', price: '30.05', timeInForce: 'ioc' }), 3);
    expect(summary(reports)).toEqual([
      ['new', 'new', null, null, '0.000000', '250.000000'],
      ['partial_fill', 'partially_filled', '100.000000', '30.02', '100.000000', '150.000000'],
      ['canceled', 'canceled', null, null, '100.000000', '0'],
    ]);
  });

  it('FOK: all or nothing, never a partial', async () => {
    quotes.set('FFF', quote('40.00', '40.01', 100, 100));
    const tooBig = await sendAndWait(nos('FFF', { orderQty: '101', ordType: 'market', timeInForce: 'fok' }), 2);
    expect(summary(tooBig)).toEqual([['new', 'new', null, null, '0.000000', '101.000000'], ['canceled', 'canceled', null, null, '0.000000', '0']]);
    const fits = await sendAndWait(nos('FFF', { orderQty: '100', ordType: 'market', timeInForce: 'fok' }), 2);
    expect(summary(fits)[1]).toEqual(['fill', 'filled', '100.000000', '40.01', '100.000000', '0']);
  });

  it('expires DAY orders at the session close and leaves GTC orders working', async () => {
    quotes.set('GGG', quote('60.00', '60.10'));
    const day = nos('GGG', { price: '59.00' });
    const gtc = nos('GGG', { price: '59.00', timeInForce: 'gtc' });
    await sendAndWait(day, 1);
    await sendAndWait(gtc, 1);
    await venue.closeTradingSession();
    await waitFor(() => reportsFor(day.clOrdId).length === 2, 'the expiry');
    expect(summary(reportsFor(day.clOrdId))[1]).toEqual(['expired', 'expired', null, null, '0.000000', '0']);
    quotes.set('GGG', quote('58.00', '58.90'));
    await waitFor(() => reportsFor(gtc.clOrdId).length === 2, 'the GTC fill');
    expect(reportsFor(gtc.clOrdId)[1]!.execType).toBe('fill');
    expect(reportsFor(day.clOrdId)).toHaveLength(2);
  });

  it('refuses a duplicate ClOrdID and leaves the first order as it was', async () => {
    quotes.set('HHH', quote('70.00', '70.10'));
    const order = nos('HHH', { price: '69.00' });
    await sendAndWait(order, 1);
    await broker.send({ ...order, price: '71.00' });
    await waitFor(() => reportsFor(order.clOrdId).length === 2, 'the duplicate refused');
    const refusal = reportsFor(order.clOrdId)[1]!;
    expect([refusal.execType, refusal.text]).toEqual(['rejected', VenueRejectText.DuplicateClOrdId]);
    expect(refusal.orderId).not.toBe(reportsFor(order.clOrdId)[0]!.orderId);
    expect(venue.matcher.openOrderCount()).toBeGreaterThan(0);
  });

  it('cancels a working order, and answers a cancel that comes too late with OrderCancelReject', async () => {
    quotes.set('III', quote('80.00', '80.10'));
    const resting = nos('III', { price: '79.00' });
    await sendAndWait(resting, 1);
    await broker.send({ msgType: 'OrderCancelRequest', clOrdId: `${resting.clOrdId}.1`, origClOrdId: resting.clOrdId, symbol: 'III', side: 'buy', orderQty: '10', transactTimeMs: T });
    await waitFor(() => reportsFor(resting.clOrdId).length === 2, 'the cancel');
    expect(reportsFor(resting.clOrdId)[1]).toMatchObject({ execType: 'canceled', clOrdId: `${resting.clOrdId}.1`, origClOrdId: resting.clOrdId });

    const filled = nos('III', { price: '81.00' });
    await sendAndWait(filled, 2);
    await broker.send({ msgType: 'OrderCancelRequest', clOrdId: `${filled.clOrdId}.1`, origClOrdId: filled.clOrdId, symbol: 'III', side: 'buy', orderQty: '10', transactTimeMs: T });
    await waitFor(() => received.some((m) => m.msgType === 'OrderCancelReject' && m.origClOrdId === filled.clOrdId), 'the cancel reject');
    expect(received.find((m) => m.msgType === 'OrderCancelReject' && m.origClOrdId === filled.clOrdId)).toMatchObject({ ordStatus: 'filled', responseTo: 'cancel', text: VenueRejectText.TooLate });
  });

  it('replaces a working order, which then fills at its new price; a replace of a filled order is refused', async () => {
    quotes.set('JJJ', quote('90.00', '90.10'));
    const order = nos('JJJ', { price: '89.00' });
    await sendAndWait(order, 1);
    const replacedId = `${order.clOrdId}.1`;
    await broker.send({ msgType: 'OrderCancelReplaceRequest', clOrdId: replacedId, origClOrdId: order.clOrdId, symbol: 'JJJ', side: 'buy', ordType: 'limit', orderQty: '12', price: '90.10', timeInForce: 'day', transactTimeMs: T });
    await waitFor(() => reportsFor(replacedId).length === 2, 'replaced, then filled');
    expect(summary(reportsFor(replacedId))).toEqual([
      ['replaced', 'new', null, null, '0.000000', '12.000000'],
      ['fill', 'filled', '12.000000', '90.10', '12.000000', '0'],
    ]);
    await broker.send({ msgType: 'OrderCancelReplaceRequest', clOrdId: `${order.clOrdId}.2`, origClOrdId: replacedId, symbol: 'JJJ', side: 'buy', ordType: 'limit', orderQty: '15', price: '90.10', timeInForce: 'day', transactTimeMs: T });
    await waitFor(() => received.some((m) => m.msgType === 'OrderCancelReject' && m.clOrdId === `${order.clOrdId}.2`), 'the replace reject');
    expect(received.find((m) => m.msgType === 'OrderCancelReject' && m.clOrdId === `${order.clOrdId}.2`)).toMatchObject({ responseTo: 'replace', text: VenueRejectText.TooLate });
  });

  it('rejects at its reject rate, and refuses a market order on a symbol it does not quote', async () => {
    profile.current = { ...profile.current, rejectRate: 0.6 };
    const unlucky = await sendAndWait(nos('AAA', { price: '101' }), 1);
    expect([unlucky[0]!.execType, unlucky[0]!.text]).toEqual(['rejected', VenueRejectText.VenueReject]);
    profile.current = { ...profile.current, rejectRate: 0 };
    const unquoted = await sendAndWait(nos('ZZZ', { ordType: 'market' }), 1);
    expect([unquoted[0]!.execType, unquoted[0]!.text]).toEqual(['rejected', VenueRejectText.NoQuote]);
  });

  it('keeps a drop copy of every execution it reported', async () => {
    await venue.settled();
    const reports = received.filter((m): m is ExecutionReport => m.msgType === 'ExecutionReport');
    const dropCopy = await venue.dropCopy.read();
    expect(dropCopy.map((row) => row.execId).sort()).toEqual(reports.map((r) => r.execId).sort());
    const fills = dropCopy.filter((row) => row.lastQty !== null);
    expect(fills.length).toBeGreaterThan(5);
  });

  it('stopped while an order waits out its latency: matches it, reports it and only then logs out', async () => {
    // A venue of its own (another MIC: its own session and drop copy) whose latency outlasts the test.
    const slowQuotes = new VenueQuotes();
    slowQuotes.set('AAA', quote('100.00', '100.05'));
    const slow = await startVenue({ profile: { ...VENUE_PROFILES.XNYS, latencyMs: 600_000, fillRate: 1, rejectRate: 0, partialFillRate: 0 }, database, quotes: slowQuotes, logger, nowMs: () => T, chance: () => 0.5, runId: 'stop' });
    const slowBroker = new FixSessionEngine({ name: 'broker-XNYS', senderCompId: 'BROKER', targetCompId: 'XNYS', heartbeatIntervalS: 30, role: 'initiator' }, sqlFixSessionStore(database), await FixCodec.create(), logger);
    await slowBroker.load();
    const answers: FixAppMessage[] = [];
    slowBroker.onMessage(async (message) => { answers.push(message); });
    const slowInitiator = startFixInitiator(slowBroker, () => ({ host: '127.0.0.1', port: slow.port }), logger);
    await slowBroker.loggedOn();
    await slowBroker.send(nos('AAA', { clOrdId: 'stop-1', price: '101' }));
    const sentSeq = slowBroker.sequences().nextSenderSeq - 1;
    // Handed to the venue (its session counts it received), which now waits out its latency.
    await waitFor(() => slow.session.sequences().nextTargetSeq > sentSeq, 'the venue to take the order');
    await slow.stop();
    await waitFor(() => !slowBroker.isConnected(), 'the venue\'s Logout');
    await slowInitiator.stop();
    // Its session already counted the order as handled: dropping it here would lose it for good.
    expect(answers.map((m) => (m.msgType === 'ExecutionReport' ? [m.clOrdId, m.execType] : [m.msgType]))).toEqual([['stop-1', 'new'], ['stop-1', 'fill']]);
    expect((await slow.dropCopy.read()).filter((row) => row.clOrdId === 'stop-1').map((row) => row.execType)).toEqual(['new', 'fill']);
  });
});
