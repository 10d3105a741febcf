import { randomUUID } from 'node:crypto';
import { startTradingHarness, TRADING_JWT_SECRET, type TradingHarness } from './support/trading-harness';
import { signAccessToken } from '../infrastructure/auth/jwt';
import { waitFor } from './support/wait-for';
import { createAccounts } from '../commands/accounts/account-stream';
import { cashBuckets } from '../domain/account';
import { asPrice, asQuantity } from '../domain/money';

const CONSISTENCY_WAIT_MS = 3_000;
const DECIMAL = /^-?\d+\.\d+$/;

describe('read API over the projections (PostgreSQL, real HTTP)', () => {
  let h: TradingHarness;
  beforeAll(async () => { h = await startTradingHarness('read_api', { readModels: true, consistencyWaitMsMax: CONSISTENCY_WAIT_MS }); });
  afterAll(async () => { await h.close(); });

  const limitBuy = (symbol: string, quantity: string, limitPrice: string) => ({ symbol, side: 'buy', type: 'limit', quantity, limit_price: limitPrice, time_in_force: 'gtc' });
  const place = async (token: string, body: object) => {
    const reply = await h.request('POST', '/v1/orders', { token, key: randomUUID(), body });
    if (reply.status !== 201) throw new Error(`order refused: ${JSON.stringify(reply.body)}`);
    return { orderId: reply.body.order_id as string, position: reply.body.position as string };
  };
  const read = (path: string, token: string, position?: string | bigint) =>
    h.request('GET', path, { token, ...(position === undefined ? {} : { headers: { 'X-Consistency-Position': String(position) } }) });

  /** A funded account with an AAPL buy filled in two parts, an open MSFT buy and a cancelled one. */
  const tradedUser = async () => {
    const user = await h.fundedAccount('10000.00');
    const aapl = await place(user.token, limitBuy('AAPL', '10', '190.00'));
    await h.system(user.accountId, { type: 'AcknowledgeOrder', data: { orderId: aapl.orderId, venue: 'SIM', atMs: h.clock.nowMs } });
    await h.system(user.accountId, { type: 'ApplyFill', data: { orderId: aapl.orderId, execId: randomUUID(), quantity: asQuantity('4'), price: asPrice('189.50'), venue: 'SIM', atMs: h.clock.nowMs } });
    await h.system(user.accountId, { type: 'ApplyFill', data: { orderId: aapl.orderId, execId: randomUUID(), quantity: asQuantity('6'), price: asPrice('190.00'), venue: 'SIM', atMs: h.clock.nowMs } });
    const msft = await place(user.token, limitBuy('MSFT', '2', '400.00'));
    const gone = await place(user.token, limitBuy('MSFT', '1', '401.00'));
    await h.system(user.accountId, { type: 'RequestOrderCancel', data: { orderId: gone.orderId, atMs: h.clock.nowMs } });
    const last = await h.system(user.accountId, { type: 'ConfirmOrderCancel', data: { orderId: gone.orderId, atMs: h.clock.nowMs } });
    return { ...user, aapl: aapl.orderId, msft: msft.orderId, gone: gone.orderId, position: last };
  };

  it('lists orders with each filter, and adds filled_qty, avg_fill_price and history to one order', async () => {
    const user = await tradedUser();
    const all = await read('/v1/orders', user.token, user.position);
    expect(all.status).toBe(200);
    expect(all.headers.get('x-consistency-stale')).toBeNull();
    expect(all.body.orders.map((o: { order_id: string }) => o.order_id)).toEqual([user.gone, user.msft, user.aapl]);
    expect(all.body.next_cursor).toBeNull();
    const ids = async (query: string) => (await read(`/v1/orders?${query}`, user.token)).body.orders.map((o: { order_id: string }) => o.order_id);
    expect(await ids('status=open')).toEqual([user.msft]);
    expect(await ids('status=closed')).toEqual([user.gone, user.aapl]);
    expect(await ids('status=filled')).toEqual([user.aapl]);
    expect(await ids('status=cancelled')).toEqual([user.gone]);
    expect(await ids('symbol=MSFT')).toEqual([user.gone, user.msft]);
    expect(await ids('symbol=MSFT&status=open&direction=asc')).toEqual([user.msft]);
    const placedAt = new Date(h.clock.nowMs).toISOString();
    expect(await ids(`from=${placedAt}`)).toHaveLength(3);
    expect(await ids(`to=${placedAt}`)).toEqual([]);

    const one = await read(`/v1/orders/${user.aapl}`, user.token);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ status: 'filled', filled_qty: '10.000000', avg_fill_price: '189.80' });
    expect(one.body.history.map((e: { type: string; status: string }) => `${e.type}:${e.status}`)).toEqual([
      'OrderPlaced:pending_new', 'OrderSubmitted:submitted', 'OrderFilled:partially_filled', 'OrderFilled:filled',
    ]);
  });

  it('refuses malformed filters and cursors with VALIDATION_FAILED naming the field', async () => {
    const user = await h.signUp();
    for (const [query, field] of [['status=done', 'status'], ['symbol=aapl!', 'symbol'], ['from=yesterday', 'from'], ['limit=0', 'limit'], ['limit=501', 'limit'],
      ['cursor=bm9wZQ', 'cursor'], ['direction=up', 'direction'], ['status=open&status=closed', 'status']] as const) {
      const reply = await read(`/v1/orders?${query}`, user.token);
      expect([query, reply.status, reply.body.error?.code, reply.body.error?.field]).toEqual([query, 400, 'VALIDATION_FAILED', field]);
    }
    const activities = await read('/v1/account/activities?type=fill,gift', user.token);
    expect([activities.status, activities.body.error.field]).toEqual([400, 'type']);
    const badPosition = await read('/v1/portfolio', user.token, 'latest');
    expect([badPosition.status, badPosition.body.error.field]).toEqual([400, 'X-Consistency-Position']);
  });

  it('visits every order exactly once across cursor pages while orders are being placed', async () => {
    const user = await h.fundedAccount('100000.00');
    const before: string[] = [];
    for (let i = 0; i < 12; i += 1) before.push((await place(user.token, limitBuy('AAPL', '1', '190.00'))).orderId);
    const head = (await h.store.headPosition()).position;
    for (const direction of ['desc', 'asc'] as const) {
      const seen: string[] = [];
      const placedMeanwhile: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: string = `direction=${direction}&limit=5${cursor === null ? '' : `&cursor=${cursor}`}`;
        const page = await read(`/v1/orders?${query}`, user.token, pages === 0 ? head : undefined);
        expect(page.status).toBe(200);
        seen.push(...page.body.orders.map((o: { order_id: string }) => o.order_id));
        cursor = page.body.next_cursor;
        pages += 1;
        // Orders land between pages: keyset paging neither repeats nor skips one because of them.
        const placed = await place(user.token, limitBuy('AAPL', '1', '190.00'));
        placedMeanwhile.push(placed.orderId);
        await h.request('GET', '/v1/orders?limit=1', { token: user.token, headers: { 'X-Consistency-Position': placed.position } });
      } while (cursor !== null && pages < 20);
      expect(new Set(seen).size).toBe(seen.length);
      for (const id of before) expect(seen).toContain(id);
      before.push(...placedMeanwhile);
    }
  });

  it('answers GET /v1/portfolio in the seed shape, priced with the last quote, else the last fill', async () => {
    const user = await tradedUser();
    await h.market.writeBatch([{ kind: 'quote', symbol: 'AAPL', json: JSON.stringify({ symbol: 'AAPL', bid: '199.90', ask: '200.10', bid_size: 1, ask_size: 1, last: '200.00', volume: 1, ts: new Date(h.clock.nowMs).toISOString() }) }]);
    const reply = await read('/v1/portfolio', user.token, user.position);
    expect(reply.status).toBe(200);
    const state = await createAccounts(h.store).load(user.accountId);
    const buckets = cashBuckets(state)!;
    expect(reply.body).toEqual({
      equity: expect.stringMatching(DECIMAL),
      cash: { settled: buckets.settled, unsettled: buckets.unsettled, withdrawable: buckets.withdrawable },
      buying_power: buckets.buyingPower,
      day_trades_remaining: 3,
      positions: [{ symbol: 'AAPL', quantity: '10.000000', avg_cost: '189.8000', cost_basis: '1898.00', current_price: '200.00', price_source: 'quote', market_value: '2000.00', unrealized_pnl: '102.00' }],
      as_of: new Date(h.clock.nowMs).toISOString(),
    });
    // Equity = settled + unsettled + Σ market value: 10000 − 1898 + 2000.
    expect(reply.body.equity).toBe('10102.00');

    await h.market.writeBatch([{ kind: 'quote', symbol: 'AAPL', json: JSON.stringify({ symbol: 'AAPL', bid: null, ask: null, bid_size: 0, ask_size: 0, last: null, volume: 0, ts: new Date(h.clock.nowMs).toISOString() }) }]);
    const unquoted = await read('/v1/portfolio', user.token);
    expect(unquoted.body.positions[0]).toMatchObject({ current_price: '190.00', price_source: 'last_fill', market_value: '1900.00', unrealized_pnl: '2.00' });
    expect(unquoted.body.equity).toBe('10002.00');
  });

  it('serves GET /v1/portfolio ahead of the express router with the answers, headers and errors the router gives', async () => {
    const user = await tradedUser();
    // `/v1/portfolio/` (trailing slash) is the same route served by express's router; `/v1/portfolio` takes the hot dispatch.
    const bothWays = async (token: string | undefined, headers: Record<string, string>) => Promise.all(['/v1/portfolio', '/v1/portfolio/'].map(async (path) => {
      const reply = await h.request('GET', path, { ...(token === undefined ? {} : { token }), headers });
      const sent = Object.fromEntries([...reply.headers.entries()].filter(([name]) => name !== 'date'));
      return { status: reply.status, body: reply.body, headers: sent };
    }));
    const cases: Array<[string | undefined, Record<string, string>]> = [
      [user.token, { 'X-Correlation-Id': 'hot-1', 'X-Consistency-Position': String(user.position) }],
      [user.token, { 'X-Correlation-Id': 'hot-2', Origin: 'https://elsewhere.example' }],
      [undefined, { 'X-Correlation-Id': 'hot-3' }],
      [`${user.token}x`, { 'X-Correlation-Id': 'hot-4' }],
      [user.token, { 'X-Correlation-Id': 'hot-5', 'X-Consistency-Position': 'latest' }],
    ];
    const statuses: number[] = [];
    for (const [token, headers] of cases) {
      const [hot, routed] = await bothWays(token, headers);
      expect(hot).toEqual(routed);
      statuses.push(hot!.status);
    }
    expect(statuses).toEqual([200, 200, 401, 401, 400]);
  });

  it('answers portfolio reads that share one statement each with its own account, and fails a malformed account id alone', async () => {
    const amounts = ['1000.00', '2000.00', '3000.00', '4000.00', '5000.00', '6000.00'];
    const users = await Promise.all(amounts.map((amount) => h.fundedAccount(amount)));
    // Funded side by side, so their deposits commit in any order: wait for each one in the model.
    for (const [index, user] of users.entries()) {
      await waitFor(async () => ((await read('/v1/portfolio', user.token)).body.cash.settled === amounts[index] ? true : undefined), `deposit ${index + 1} in the portfolio model`);
    }
    // Sent together, they reach the reader in one turn of the event loop, so they share statements.
    const malformed = signAccessToken({ accountId: 'not-a-uuid' }, TRADING_JWT_SECRET);
    const replies = await Promise.all([...users.map((user) => read('/v1/portfolio', user.token)), read('/v1/portfolio', malformed)]);
    expect(replies.map((reply) => reply.status)).toEqual([...amounts.map(() => 200), 503]);
    expect(replies.slice(0, -1).map((reply) => reply.body.cash.settled)).toEqual(amounts);
  });

  it('lists activities newest first, by type and time, in cursor pages', async () => {
    const user = await tradedUser();
    const all = await read('/v1/account/activities', user.token, user.position);
    expect(all.body.activities.map((a: { type: string; subtype: string }) => `${a.type}:${a.subtype}`)).toEqual(['fill:buy', 'fill:buy', 'transfer:deposit_settled', 'transfer:deposit']);
    const fills = await read('/v1/account/activities?type=fill', user.token);
    expect(fills.body.activities.map((a: { amount: string }) => a.amount)).toEqual(['1140.00', '758.00']);
    const first = await read('/v1/account/activities?limit=3', user.token);
    expect(first.body.activities).toHaveLength(3);
    const rest = await read(`/v1/account/activities?limit=3&cursor=${first.body.next_cursor}`, user.token);
    expect(rest.body.activities.map((a: { subtype: string }) => a.subtype)).toEqual(['deposit']);
    expect(rest.body.next_cursor).toBeNull();
    const later = await read(`/v1/account/activities?from=${new Date(h.clock.nowMs + 1).toISOString()}`, user.token);
    expect(later.body.activities).toEqual([]);
  });

  it("never shows one account's data to another (BOLA on every read route)", async () => {
    const victim = await tradedUser();
    const other = await h.signUp();
    const position = victim.position;
    expect((await read(`/v1/orders/${victim.aapl}`, other.token)).status).toBe(404);
    expect((await read('/v1/orders', other.token, position)).body.orders).toEqual([]);
    expect((await read('/v1/account/activities', other.token, position)).body.activities).toEqual([]);
    const portfolio = await read('/v1/portfolio', other.token, position);
    expect(portfolio.body).toMatchObject({ equity: '0.00', positions: [], cash: { settled: '0.00' } });
    for (const path of ['/v1/orders', '/v1/portfolio', '/v1/account/activities', `/v1/orders/${victim.aapl}`]) {
      expect([path, (await h.request('GET', path)).status]).toEqual([path, 401]);
    }
  });

  it('says a read is stale, and how far behind, when the projections do not reach the position in time', async () => {
    const user = await h.signUp();
    // Positions are sparse (each commit takes a range), so "ahead" must be far beyond anything this test could write.
    const ahead = ((await h.store.headPosition()).position) * 1_000n;
    // The bound allows for what the same read costs without a wait, on this box now: on a CI box 10x slower that cost,
    // plus a 600 ms stall, could use up a fixed 2 s of slack.
    const unwaitedFromMs = Date.now();
    expect((await read('/v1/portfolio', user.token)).status).toBe(200);
    const unwaitedMs = Date.now() - unwaitedFromMs;
    const started = Date.now();
    const reply = await read('/v1/portfolio', user.token, ahead);
    // 1.5 s of slack, not more: a server that ignored the configured wait for the harness default (5 s) must fail here.
    expect(Date.now() - started).toBeLessThan(CONSISTENCY_WAIT_MS + unwaitedMs + 1_500);
    expect(reply.status).toBe(200);
    expect(reply.headers.get('x-consistency-stale')).toBe('true');
    const behind = BigInt(reply.headers.get('x-consistency-behind')!);
    expect(behind).toBeGreaterThan(0n);
    expect(BigInt(reply.headers.get('x-read-position')!) + behind).toBe(ahead);
  });
});
