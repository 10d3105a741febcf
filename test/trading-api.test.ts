import { randomUUID } from 'node:crypto';
import { collect } from '../infrastructure/event-store/port';
import { assertRoutesMatchOpenApi } from '../app/openapi/route-check';
import { buildOpenApiDocument } from '../app/openapi/document';
import { createTradingApi } from '../app/trading-api';
import { createInMemoryEventStore } from '../infrastructure/event-store/in-memory';
import { createInMemoryIdempotencyStore } from '../infrastructure/idempotency/in-memory-store';
import { createLogger } from '../infrastructure/logging';
import { createMetrics } from '../infrastructure/metrics';
import { createInMemoryMarketData } from '../infrastructure/market/in-memory';
import { createInMemoryCandleStore } from '../infrastructure/market/candle-store-in-memory';
import { accountStreamOf } from '../commands/accounts/account-stream';
import { startTradingHarness, type TradingHarness } from './support/trading-harness';

const limitBuy = (overrides: Record<string, unknown> = {}) => ({
  symbol: 'AAPL', side: 'buy', type: 'limit', quantity: '10', limit_price: '150.00', time_in_force: 'day', ...overrides,
});

let h: TradingHarness;
beforeAll(async () => { h = await startTradingHarness('trading_api'); });
afterAll(async () => { await h.close(); });

const placedOrders = async (accountId: string) =>
  (await collect(h.store.readStream(accountStreamOf(accountId)))).filter((event) => event.type === 'OrderPlaced');

describe('accounts and transfers', () => {
  it('deposits with instant credit up to the limit and refuses to withdraw unsettled cash', async () => {
    const user = await h.signUp();
    const deposit = await h.request('POST', '/v1/transfers', { token: user.token, key: randomUUID(), body: { direction: 'deposit', amount: '5000.00' } });
    expect(deposit.status).toBe(201);
    expect(deposit.body).toMatchObject({ direction: 'deposit', status: 'pending', amount: '5000.00', instant_credit: '1000.00' });
    expect(BigInt(deposit.body.position)).toBeGreaterThan(0n);
    const withdraw = await h.request('POST', '/v1/transfers', { token: user.token, key: randomUUID(), body: { direction: 'withdrawal', amount: '1.00' } });
    expect(withdraw.status).toBe(422);
    expect(withdraw.body.error.code).toBe('INSUFFICIENT_WITHDRAWABLE_CASH');
    await h.system(user.accountId, { type: 'SettleDeposit', data: { transferId: deposit.body.transfer_id, atMs: h.clock.nowMs } });
    const settled = await h.request('POST', '/v1/transfers', { token: user.token, key: randomUUID(), body: { direction: 'withdrawal', amount: '1200.50' } });
    expect(settled.status).toBe(201);
    expect(settled.body).toMatchObject({ direction: 'withdrawal', status: 'completed', amount: '1200.50' });
  });

  it('refuses a float amount, an unknown direction and a missing body field, naming the field', async () => {
    const user = await h.signUp();
    const float = await h.request('POST', '/v1/transfers', { token: user.token, key: randomUUID(), body: { direction: 'deposit', amount: 500.5 } });
    expect(float.status).toBe(400);
    expect(float.body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'amount' });
    const direction = await h.request('POST', '/v1/transfers', { token: user.token, key: randomUUID(), body: { direction: 'sideways', amount: '5.00' } });
    expect(direction.body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'direction' });
    const zero = await h.request('POST', '/v1/transfers', { token: user.token, key: randomUUID(), body: { direction: 'deposit', amount: '0.00' } });
    expect(zero.status).toBe(400);
    expect(zero.body.error.code).toBe('INVALID_AMOUNT');
  });

  it('answers a retried deposit with the same transfer after the idempotency record is gone', async () => {
    const user = await h.signUp();
    const key = randomUUID();
    const first = await h.request('POST', '/v1/transfers', { token: user.token, key, body: { direction: 'deposit', amount: '300.00' } });
    await h.flushIdempotency();
    const again = await h.request('POST', '/v1/transfers', { token: user.token, key, body: { direction: 'deposit', amount: '300.00' } });
    expect(again.status).toBe(201);
    expect(again.body.transfer_id).toBe(first.body.transfer_id);
    const deposits = (await collect(h.store.readStream(accountStreamOf(user.accountId)))).filter((e) => e.type === 'DepositInitiated');
    expect(deposits).toHaveLength(1);
  });
});

describe('placing orders', () => {
  it('acknowledges a limit buy with its reserve and etag, and reads it back from the write model', async () => {
    const user = await h.fundedAccount('10000.00');
    const placed = await h.request('POST', '/v1/orders', { token: user.token, key: randomUUID(), body: limitBuy() });
    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({ status: 'pending_new', reserved_amount: '1500.00', etag: 'v1' });
    expect(placed.headers.get('etag')).toBe('"v1"');
    const read = await h.request('GET', `/v1/orders/${placed.body.order_id}`, { token: user.token });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ order_id: placed.body.order_id, symbol: 'AAPL', side: 'buy', type: 'limit', status: 'pending_new', quantity: '10.000000', limit_price: '150.00' });
  });

  it('accepts the seed\'s integer quantity and a fractional notional market buy', async () => {
    const user = await h.fundedAccount('10000.00');
    const whole = await h.request('POST', '/v1/orders', { token: user.token, key: randomUUID(), body: limitBuy({ quantity: 3 }) });
    expect(whole.status).toBe(201);
    expect(whole.body.reserved_amount).toBe('450.00');
    const notional = await h.request('POST', '/v1/orders', { token: user.token, key: randomUUID(), body: { symbol: 'MSFT', side: 'buy', type: 'market', notional: '5.00' } });
    expect(notional.status).toBe(201);
    expect(notional.body.reserved_amount).toBe('5.00');
  });

  it.each([
    ['a float limit price', limitBuy({ limit_price: 150.5 }), 400, 'VALIDATION_FAILED', 'limit_price'],
    ['a fractional JSON number quantity', limitBuy({ quantity: 1.5 }), 400, 'VALIDATION_FAILED', 'quantity'],
    ['an unknown field', limitBuy({ limit_prise: '150.00' }), 400, 'VALIDATION_FAILED', 'limit_prise'],
    ['a wrong type', limitBuy({ extended_hours: 'yes' }), 400, 'VALIDATION_FAILED', 'extended_hours'],
    ['an unknown symbol', limitBuy({ symbol: 'ZZZZ' }), 422, 'UNKNOWN_SYMBOL', 'symbol'],
    ['a limit order without a limit price', limitBuy({ limit_price: undefined }), 400, 'INVALID_ORDER', undefined],
    ['more than the buying power', limitBuy({ quantity: '1000' }), 422, 'INSUFFICIENT_BUYING_POWER', undefined],
    ['a sell of shares not held', limitBuy({ side: 'sell' }), 422, 'INSUFFICIENT_SHARES', undefined],
  ])('refuses %s with a stable code and writes nothing', async (_label, body, status, code, field) => {
    const user = await h.fundedAccount('10000.00');
    const reply = await h.request('POST', '/v1/orders', { token: user.token, key: randomUUID(), body });
    expect(reply.status).toBe(status);
    expect(reply.body.error.code).toBe(code);
    if (field !== undefined) expect(reply.body.error.field).toBe(field);
    expect(await placedOrders(user.accountId)).toHaveLength(0);
  });

  it('refuses malformed JSON and a missing idempotency key', async () => {
    const user = await h.fundedAccount('100.00');
    const malformed = await h.request('POST', '/v1/orders', { token: user.token, key: randomUUID(), body: '{"symbol": "AAPL",' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('MALFORMED_JSON');
    const keyless = await h.request('POST', '/v1/orders', { token: user.token, body: limitBuy({ quantity: '0.1' }) });
    expect(keyless.status).toBe(400);
    expect(keyless.body.error.code).toBe('IDEMPOTENCY_KEY_MISSING');
  });

  it('refuses an order for a halted symbol and a limit price far from the NBBO', async () => {
    const user = await h.fundedAccount('10000.00');
    await h.market.writeBatch([
      { kind: 'quote', symbol: 'NVDA', json: JSON.stringify({ symbol: 'NVDA', bid: '100.00', ask: '100.10', bid_size: 100, ask_size: 100, last: '100.05', volume: 1, ts: new Date(h.clock.nowMs).toISOString() }) },
      { kind: 'halt', symbol: 'TSLA', haltedUntilMs: h.clock.nowMs + 300_000, ttlMs: 300_000 },
    ]);
    const halted = await h.request('POST', '/v1/orders', { token: user.token, key: randomUUID(), body: limitBuy({ symbol: 'TSLA', quantity: '1', limit_price: '200.00' }) });
    expect(halted.status).toBe(422);
    expect(halted.body.error.code).toBe('SYMBOL_HALTED');
    const farAway = await h.request('POST', '/v1/orders', { token: user.token, key: randomUUID(), body: limitBuy({ symbol: 'NVDA', quantity: '1', limit_price: '120.00' }) });
    expect(farAway.status).toBe(422);
    expect(farAway.body.error).toMatchObject({ code: 'PRICE_UNREASONABLE', field: 'limit_price' });
    const market = await h.request('POST', '/v1/orders', { token: user.token, key: randomUUID(), body: { symbol: 'NVDA', side: 'buy', type: 'market', quantity: '10' } });
    expect(market.status).toBe(201);
    // Reserved at the ask plus the 5% collar, rounded up to the cent: 10 × 100.10 × 1.05 = 1051.05.
    expect(market.body.reserved_amount).toBe('1051.05');
    expect(await placedOrders(user.accountId)).toHaveLength(1);
  });

  it('limits an account to 60 orders a minute', async () => {
    const user = await h.fundedAccount('10000.00');
    for (let i = 0; i < 60; i += 1) {
      const ok = await h.request('POST', '/v1/orders', { token: user.token, key: randomUUID(), body: limitBuy({ quantity: '0.01' }) });
      expect(ok.status).toBe(201);
    }
    const over = await h.request('POST', '/v1/orders', { token: user.token, key: randomUUID(), body: limitBuy({ quantity: '0.01' }) });
    expect(over.status).toBe(429);
    expect(over.body.error.code).toBe('RATE_LIMIT_EXCEEDED');
    h.clock.nowMs += 60_001;
    const later = await h.request('POST', '/v1/orders', { token: user.token, key: randomUUID(), body: limitBuy({ quantity: '0.01' }) });
    expect(later.status).toBe(201);
  });

  it('restricts an account whose ACH deposit bounced after its instant credit was spent (403 ACCOUNT_RESTRICTED)', async () => {
    const user = await h.signUp();
    const deposit = await h.request('POST', '/v1/transfers', { token: user.token, key: randomUUID(), body: { direction: 'deposit', amount: '1000.00' } });
    const spend = await h.request('POST', '/v1/orders', { token: user.token, key: randomUUID(), body: limitBuy({ quantity: '6', limit_price: '150.00' }) });
    expect(spend.status).toBe(201);
    await h.system(user.accountId, { type: 'ReturnDeposit', data: { transferId: deposit.body.transfer_id, reason: 'R01 insufficient funds', atMs: h.clock.nowMs } });
    const after = await h.request('POST', '/v1/orders', { token: user.token, key: randomUUID(), body: limitBuy({ quantity: '0.01' }) });
    expect(after.status).toBe(403);
    expect(after.body.error.code).toBe('ACCOUNT_RESTRICTED');
  });

  it('refuses a position above $500K in one symbol', async () => {
    const user = await h.fundedAccount('900000.00');
    const big = await h.request('POST', '/v1/orders', { token: user.token, key: randomUUID(), body: limitBuy({ quantity: '3400', limit_price: '150.00' }) });
    expect(big.status).toBe(422);
    expect(big.body.error.code).toBe('POSITION_LIMIT_EXCEEDED');
  });
});

describe('exactly one order per idempotency key', () => {
  it('answers 50 concurrent identical requests with one order', async () => {
    const user = await h.fundedAccount('10000.00');
    const key = randomUUID();
    const replies = await Promise.all(Array.from({ length: 50 }, () => h.request('POST', '/v1/orders', { token: user.token, key, body: limitBuy({ quantity: '1' }) })));
    const created = replies.filter((r) => r.status === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(replies.every((r) => r.status === 201 || (r.status === 409 && r.body.error.code === 'IDEMPOTENCY_REQUEST_IN_FLIGHT'))).toBe(true);
    expect(new Set(created.map((r) => r.body.order_id)).size).toBe(1);
    expect(await placedOrders(user.accountId)).toHaveLength(1);
  });

  it('replays the first response, refuses the key with another body, and still makes one order after Redis is flushed', async () => {
    const user = await h.fundedAccount('10000.00');
    const key = randomUUID();
    const first = await h.request('POST', '/v1/orders', { token: user.token, key, body: limitBuy({ quantity: '2' }) });
    const replay = await h.request('POST', '/v1/orders', { token: user.token, key, body: limitBuy({ quantity: '2' }) });
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(first.body);
    const reused = await h.request('POST', '/v1/orders', { token: user.token, key, body: limitBuy({ quantity: '3' }) });
    expect(reused.status).toBe(422);
    expect(reused.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');

    await h.flushIdempotency();
    const afterFlush = await h.request('POST', '/v1/orders', { token: user.token, key, body: limitBuy({ quantity: '2' }) });
    expect(afterFlush.status).toBe(201);
    expect(afterFlush.body.order_id).toBe(first.body.order_id);
    await h.flushIdempotency();
    const otherBodyAfterFlush = await h.request('POST', '/v1/orders', { token: user.token, key, body: limitBuy({ quantity: '3' }) });
    expect(otherBodyAfterFlush.status).toBe(422);
    expect(await placedOrders(user.accountId)).toHaveLength(1);
  });
});

describe('the event-store backstop answers a retry as its first attempt did', () => {
  const flushAndRetry = async (request: () => Promise<Awaited<ReturnType<TradingHarness['request']>>>) => {
    await h.flushIdempotency();
    return request();
  };

  it('returns the placed order on a retry even when the symbol has since halted or the order was modified', async () => {
    const user = await h.fundedAccount('10000.00');
    const key = randomUUID();
    const body = limitBuy({ symbol: 'AMD', quantity: '2' });
    const first = await h.request('POST', '/v1/orders', { token: user.token, key, body });
    expect(first.status).toBe(201);
    await h.market.writeBatch([{ kind: 'halt', symbol: 'AMD', haltedUntilMs: h.clock.nowMs + 300_000, ttlMs: 300_000 }]);
    const duringHalt = await flushAndRetry(() => h.request('POST', '/v1/orders', { token: user.token, key, body }));
    expect(duringHalt.status).toBe(201);
    expect(duringHalt.body.order_id).toBe(first.body.order_id);

    await h.system(user.accountId, { type: 'AcknowledgeOrder', data: { orderId: first.body.order_id, venue: 'XNAS', atMs: h.clock.nowMs } });
    const patched = await h.request('PATCH', `/v1/orders/${first.body.order_id}`, { token: user.token, key: randomUUID(), body: { limit_price: '149.00' }, headers: { 'If-Match': '"v2"' } });
    expect(patched.status).toBe(200);
    const afterReplace = await flushAndRetry(() => h.request('POST', '/v1/orders', { token: user.token, key, body }));
    expect(afterReplace.status).toBe(201);
    expect(afterReplace.body.order_id).toBe(first.body.order_id);
    expect(await placedOrders(user.accountId)).toHaveLength(1);
  });

  it('answers a retried modify and a retried cancel with the order, not with a stale-etag or transition error', async () => {
    const user = await h.fundedAccount('10000.00');
    const order = (await h.request('POST', '/v1/orders', { token: user.token, key: randomUUID(), body: limitBuy({ quantity: '3' }) })).body;
    await h.system(user.accountId, { type: 'AcknowledgeOrder', data: { orderId: order.order_id, venue: 'XNAS', atMs: h.clock.nowMs } });
    const patchKey = randomUUID();
    const patch = () => h.request('PATCH', `/v1/orders/${order.order_id}`, { token: user.token, key: patchKey, body: { limit_price: '148.00' }, headers: { 'If-Match': '"v2"' } });
    expect((await patch()).status).toBe(200);
    const patchRetry = await flushAndRetry(patch);
    expect(patchRetry.status).toBe(200);
    expect(patchRetry.body).toMatchObject({ order_id: order.order_id, status: 'pending_replace' });

    await h.system(user.accountId, { type: 'ConfirmOrderReplace', data: { orderId: order.order_id, atMs: h.clock.nowMs } });
    const cancelKey = randomUUID();
    const cancel = () => h.request('DELETE', `/v1/orders/${order.order_id}`, { token: user.token, key: cancelKey });
    expect((await cancel()).status).toBe(200);
    const cancelRetry = await flushAndRetry(cancel);
    expect(cancelRetry.status).toBe(200);
    expect(cancelRetry.body).toMatchObject({ order_id: order.order_id, status: 'pending_cancel' });
    // A different key is a different request: that one is refused.
    const other = await h.request('DELETE', `/v1/orders/${order.order_id}`, { token: user.token, key: randomUUID() });
    expect(other.status).toBe(409);
  });
});

describe('modifying and cancelling', () => {
  const place = async (token: string) => (await h.request('POST', '/v1/orders', { token, key: randomUUID(), body: limitBuy({ quantity: '5' }) })).body;

  it('replaces a working order with the current etag, and refuses a stale or missing one', async () => {
    const user = await h.fundedAccount('10000.00');
    const placed = await place(user.token);
    // Not yet at the venue: the replace map starts at submitted.
    const early = await h.request('PATCH', `/v1/orders/${placed.order_id}`, { token: user.token, key: randomUUID(), body: { limit_price: '149.00' }, headers: { 'If-Match': '"v1"' } });
    expect(early.status).toBe(409);
    expect(early.body.error.code).toBe('INVALID_TRANSITION');
    await h.system(user.accountId, { type: 'AcknowledgeOrder', data: { orderId: placed.order_id, venue: 'XNAS', atMs: h.clock.nowMs } });
    const order = (await h.request('GET', `/v1/orders/${placed.order_id}`, { token: user.token })).body;
    expect(order).toMatchObject({ status: 'submitted', etag: 'v2' });
    const missing = await h.request('PATCH', `/v1/orders/${order.order_id}`, { token: user.token, key: randomUUID(), body: { limit_price: '149.00' } });
    expect(missing.status).toBe(428);
    expect(missing.body.error.code).toBe('IF_MATCH_REQUIRED');
    const stale = await h.request('PATCH', `/v1/orders/${order.order_id}`, { token: user.token, key: randomUUID(), body: { limit_price: '149.00' }, headers: { 'If-Match': '"v7"' } });
    expect(stale.status).toBe(412);
    expect(stale.body.error.code).toBe('VERSION_MISMATCH');
    const replaced = await h.request('PATCH', `/v1/orders/${order.order_id}`, { token: user.token, key: randomUUID(), body: { limit_price: '149.00' }, headers: { 'If-Match': `"${order.etag}"` } });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ order_id: order.order_id, status: 'pending_replace', etag: 'v3' });
    expect(replaced.headers.get('etag')).toBe('"v3"');
    const again = await h.request('PATCH', `/v1/orders/${order.order_id}`, { token: user.token, key: randomUUID(), body: { limit_price: '148.00' }, headers: { 'If-Match': `"${order.etag}"` } });
    expect(again.status).toBe(412);
  });

  it('moves a cancel to pending_cancel and refuses a second one as an invalid transition', async () => {
    const user = await h.fundedAccount('10000.00');
    const order = await place(user.token);
    const cancel = await h.request('DELETE', `/v1/orders/${order.order_id}`, { token: user.token, key: randomUUID() });
    expect(cancel.status).toBe(200);
    expect(cancel.body).toMatchObject({ order_id: order.order_id, status: 'pending_cancel' });
    const twice = await h.request('DELETE', `/v1/orders/${order.order_id}`, { token: user.token, key: randomUUID() });
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('INVALID_TRANSITION');
    const replaceCancelling = await h.request('PATCH', `/v1/orders/${order.order_id}`, { token: user.token, key: randomUUID(), body: { limit_price: '149.00' }, headers: { 'If-Match': '"v2"' } });
    expect(replaceCancelling.status).toBe(409);
  });

  it('hides another user\'s order behind 404 on every route, and changes nothing', async () => {
    const owner = await h.fundedAccount('10000.00');
    const intruder = await h.signUp();
    const order = await place(owner.token);
    const id = order.order_id as string;
    const replies = await Promise.all([
      h.request('GET', `/v1/orders/${id}`, { token: intruder.token }),
      h.request('PATCH', `/v1/orders/${id}`, { token: intruder.token, key: randomUUID(), body: { limit_price: '1.00' }, headers: { 'If-Match': '"v1"' } }),
      h.request('DELETE', `/v1/orders/${id}`, { token: intruder.token, key: randomUUID() }),
      h.request('GET', '/v1/orders/not-a-uuid', { token: owner.token }),
    ]);
    for (const reply of replies) {
      expect(reply.status).toBe(404);
      expect(reply.body.error.code).toBe('ORDER_NOT_FOUND');
    }
    const still = await h.request('GET', `/v1/orders/${id}`, { token: owner.token });
    expect(still.body).toMatchObject({ status: 'pending_new', etag: 'v1' });
  });

  it('refuses every order route without a valid token', async () => {
    for (const [method, path] of [['POST', '/v1/orders'], ['GET', `/v1/orders/${randomUUID()}`], ['DELETE', `/v1/orders/${randomUUID()}`], ['POST', '/v1/transfers']] as const) {
      const reply = await h.request(method, path, { token: 'not.a.jwt', key: randomUUID(), ...(method === 'GET' ? {} : { body: {} }) });
      expect(reply.status).toBe(401);
      expect(reply.body.error.code).toBe('UNAUTHENTICATED');
    }
  });
});

describe('the OpenAPI document', () => {
  it('describes exactly the routes the API serves', () => {
    const api = createTradingApi({
      store: createInMemoryEventStore(), idempotencyStore: createInMemoryIdempotencyStore(), jwtSecret: 'x'.repeat(40),
      logger: createLogger({ level: 'silent' }), metrics: createMetrics(),
      market: { reader: createInMemoryMarketData(), candles: createInMemoryCandleStore() },
    });
    expect(() => assertRoutesMatchOpenApi(api.app, buildOpenApiDocument())).not.toThrow();
  });

  it('is served at /v1/openapi.json', async () => {
    const reply = await h.request('GET', '/v1/openapi.json');
    expect(reply.status).toBe(200);
    expect(reply.body.openapi).toBe('3.1.0');
    expect(Object.keys(reply.body.paths)).toEqual(expect.arrayContaining(['/v1/orders', '/v1/orders/{id}', '/v1/transfers', '/v1/market/quotes']));
  });
});
