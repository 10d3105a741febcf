import { randomUUID } from 'node:crypto';
import { createEquityProjection } from '../projections/equity/model';
import { backfillSnapshots } from '../projections/equity-snapshots/backfill';
import { SNAPSHOTS_SCHEMA, takeDailySnapshots } from '../projections/equity-snapshots/daily-equity';
import { rebuildProjection } from '../projections/rebuild/rebuild';
import { waitForProjections } from '../projections/runner/catch-up';
import { decimalToTicks } from '../streaming/market/ticks';
import { startTradingHarness, type TradingHarness } from './support/trading-harness';
import { asPrice, asQuantity } from '../domain/money';

/** Tuesday 24 November 2026: the regular session is 14:30–21:00 UTC (EST). */
const DAY = { year: 2026, month: 11, day: 24 };
const at = (hour: number, minute: number, day = 24) => Date.UTC(2026, 10, day, hour, minute);

describe('GET /v1/portfolio/history and the daily equity snapshots (PostgreSQL candles and models, real HTTP)', () => {
  let h: TradingHarness;
  let user: { accountId: string; token: string };
  let lastPosition = 0n;
  beforeAll(async () => {
    h = await startTradingHarness('portfolio_history', { readModels: true, pgCandles: true });
    // Before the open: 10,000.00 deposited and settled.
    h.clock.nowMs = at(14, 0);
    user = await h.fundedAccount('10000.00');
    // 14:37: 10 AAPL bought at 190.00.
    h.clock.nowMs = at(14, 37);
    const placed = await h.request('POST', '/v1/orders', { token: user.token, key: randomUUID(), body: { symbol: 'AAPL', side: 'buy', type: 'limit', quantity: '10', limit_price: '190.00', time_in_force: 'gtc' } });
    expect(placed.status).toBe(201);
    await h.system(user.accountId, { type: 'AcknowledgeOrder', data: { orderId: placed.body.order_id, venue: 'SIM', atMs: h.clock.nowMs } });
    await h.system(user.accountId, { type: 'ApplyFill', data: { orderId: placed.body.order_id, execId: randomUUID(), quantity: asQuantity('10'), price: asPrice('190.00'), venue: 'SIM', atMs: h.clock.nowMs } });
    // 14:52: a deposit of 500.00 on its way (it counts in equity at once).
    h.clock.nowMs = at(14, 52);
    const deposit = await h.request('POST', '/v1/transfers', { token: user.token, key: randomUUID(), body: { direction: 'deposit', amount: '500.00' } });
    expect(deposit.status).toBe(201);
    lastPosition = BigInt(deposit.body.position);
    // AAPL's 5-minute candles: the 14:40 bucket traded nothing; Monday's last bucket closed at 188.00.
    const candle = (bucketStartMs: number, close: string) => {
      const ticks = decimalToTicks(close)!;
      return { symbol: 'AAPL', interval: '5m' as const, bucketStartMs, openTicks: ticks, highTicks: ticks, lowTicks: ticks, closeTicks: ticks, volume: 100, tradeCount: 1 };
    };
    await h.candles.upsertDeltas([candle(at(20, 55, 23), '188.00'), candle(at(14, 30), '191.00'), candle(at(14, 35), '192.50'), candle(at(14, 45), '189.00'), candle(at(20, 55), '195.00')]);
    expect((await waitForProjections(h.readDb!, ['equity'], lastPosition, 30_000)).reached).toBe(true);
  }, 60_000);
  afterAll(async () => { await h.close(); });

  const history = (period: string | undefined, token = user.token) =>
    h.request('GET', `/v1/portfolio/history${period === undefined ? '' : `?period=${period}`}`, { token, headers: { 'X-Consistency-Position': lastPosition.toString() } });

  it('1D: a point at the end of each 5-minute interval so far, equal to the hand-computed fold of holdings and candle closes', async () => {
    h.clock.nowMs = at(15, 0);
    const reply = await history('1D');
    expect(reply.status).toBe(200);
    // cash 10,000.00 until the 14:37 fill (−1,900.00), +500.00 from 14:52; 10 AAPL at the last close before each point.
    expect(reply.body).toEqual({
      period: '1D', timeframe: '5m', base_value: '10000.00', profit_loss: '490.00', as_of: new Date(at(15, 0)).toISOString(),
      points: [
        { t: new Date(at(14, 35)).toISOString(), equity: '10000.00' }, // no position yet
        { t: new Date(at(14, 40)).toISOString(), equity: '10025.00' }, // 8,100.00 + 10 × 192.50 (bucket 14:35)
        { t: new Date(at(14, 45)).toISOString(), equity: '10025.00' }, // bucket 14:40 empty: still 192.50
        { t: new Date(at(14, 50)).toISOString(), equity: '9990.00' }, // 8,100.00 + 10 × 189.00
        { t: new Date(at(14, 55)).toISOString(), equity: '10490.00' }, // + the 500.00 deposit
        { t: new Date(at(15, 0)).toISOString(), equity: '10490.00' },
      ],
    });
    // The default period is 1D.
    expect((await history(undefined)).body.points).toEqual(reply.body.points);
  });

  it('1D before the open shows the last trading day; a weekend shows Friday', async () => {
    h.clock.nowMs = at(14, 0, 28); // Saturday 28 November
    const saturday = await history('1D');
    expect(saturday.status).toBe(200);
    // Friday 27 November 2026 is the day after Thanksgiving: an early close at 13:00 EST, 78 / 2 = 42 points.
    expect(saturday.body.points).toHaveLength(42);
    expect(saturday.body.points[41]).toEqual({ t: new Date(at(18, 0, 27)).toISOString(), equity: '10550.00' });
  });

  it('takes each account\'s close-of-day equity once per day, priced with candles (backfill) or live quotes (at the close)', async () => {
    const deps = { db: h.readDb!, store: h.store, candles: h.candles };
    const first = await takeDailySnapshots({ ...deps, nowMs: at(23, 0) }, DAY);
    expect(first).toMatchObject({ kind: 'taken', written: expect.any(Number) });
    const row = async (day: string) => (await h.readDb!.query<{ equity: string; cash: string; positions: unknown }>({
      text: `SELECT equity, cash, positions FROM ${SNAPSHOTS_SCHEMA}.daily_equity WHERE account_id = $1 AND day = $2::date` }, [user.accountId, day])).rows[0];
    // 8,600.00 + 10 × 195.00 (the last bucket before the 21:00 close).
    expect(await row('2026-11-24')).toEqual({ equity: '10550.00', cash: '8600.00', positions: [{ symbol: 'AAPL', quantity: '10.000000', price: '195.00', price_source: 'candle', market_value: '1950.00' }] });
    // Idempotent: the second run writes nothing.
    expect(await takeDailySnapshots({ ...deps, nowMs: at(23, 30) }, DAY)).toMatchObject({ kind: 'taken', written: 0 });

    // Wednesday, taken at 21:05 UTC: within the live window, so the last quote prices the close.
    await h.market.writeBatch([{ kind: 'quote', symbol: 'AAPL', json: JSON.stringify({ symbol: 'AAPL', bid: '199.90', ask: '200.10', bid_size: 1, ask_size: 1, last: '200.00', volume: 1, ts: new Date(at(21, 0, 25)).toISOString() }) }]);
    await takeDailySnapshots({ ...deps, quotes: h.market, nowMs: at(21, 5, 25) }, { ...DAY, day: 25 });
    expect((await row('2026-11-25'))?.equity).toBe('10600.00');

    h.clock.nowMs = at(15, 0, 30); // Monday 30 November
    const month = await history('1M');
    expect(month.body).toMatchObject({
      period: '1M', timeframe: '1D', base_value: '10550.00', profit_loss: '50.00',
      points: [{ t: new Date(at(21, 0, 24)).toISOString(), equity: '10550.00' }, { t: new Date(at(21, 0, 25)).toISOString(), equity: '10600.00' }],
    });
    // A week back from Monday 30 November starts after Monday 23 November: both days are in it.
    expect((await history('1W')).body.points).toHaveLength(2);
    expect((await history('ALL')).body.points).toHaveLength(2);
    // From Tuesday 1 December a week starts after 24 November: its one point is the 25th, its base the 24th's close.
    h.clock.nowMs = at(15, 0, 31);
    const week = await history('1W');
    expect(week.body).toMatchObject({ base_value: '10550.00', profit_loss: '50.00', points: [{ equity: '10600.00' }] });

    // The snapshots rebuild from the equity model and candles: dropped and backfilled, the candle-priced day comes back the same.
    await h.readDb!.query({ text: `DELETE FROM ${SNAPSHOTS_SCHEMA}.daily_equity WHERE account_id = $1` }, [user.accountId]);
    const refilled = await backfillSnapshots({ ...deps, nowMs: at(12, 0, 30) }, DAY, { ...DAY, day: 29 });
    expect(refilled.days).toBe(3); // 24, 25 and 27 November (26 is Thanksgiving)
    expect((await row('2026-11-24'))?.equity).toBe('10550.00');
    // Without the live quote, Wednesday's close is priced by the candles: 195.00 is still the last close.
    expect((await row('2026-11-25'))?.equity).toBe('10550.00');
  });

  it('rebuilds the equity model from scratch row for row', async () => {
    await rebuildProjection({ store: h.store, db: h.readDb!, projection: createEquityProjection(), intoSchemaOnly: 'check_equity' });
    const rows = (schema: string) => h.readDb!.query({ text: `SELECT account_id::text, position::text, at_ms::text, cash, positions, fill_symbol, fill_price FROM ${schema}.holdings ORDER BY account_id, position` });
    const live = await rows('rm_equity');
    expect(live.rows.length).toBeGreaterThan(3);
    expect((await rows('check_equity')).rows).toEqual(live.rows);
  });

  it('refuses a bad period with VALIDATION_FAILED naming it, answers 401 without a token, and shows nobody else\'s curve', async () => {
    for (const query of ['period=2D', 'period=1d', 'period=', 'period=1D&period=1W']) {
      const reply = await h.request('GET', `/v1/portfolio/history?${query}`, { token: user.token });
      expect([query, reply.status, reply.body.error?.code, reply.body.error?.field]).toEqual([query, 400, 'VALIDATION_FAILED', 'period']);
    }
    expect((await h.request('GET', '/v1/portfolio/history?period=1D')).status).toBe(401);
    h.clock.nowMs = at(15, 0);
    const other = await h.signUp();
    const theirs = await history('1D', other.token);
    expect(theirs.status).toBe(200);
    expect(theirs.body.base_value).toBe('0.00');
    expect(new Set(theirs.body.points.map((p: { equity: string }) => p.equity))).toEqual(new Set(['0.00']));
    expect((await history('ALL', other.token)).body).toMatchObject({ base_value: '0.00', points: [] });
  });
});
