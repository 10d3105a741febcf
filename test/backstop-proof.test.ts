import { randomUUID } from 'node:crypto';
import { startTradingHarness, type TradingHarness } from './support/trading-harness';

/**
 * Every route whose retry can be answered from the event stream (its idempotency record lost) answers
 * so only when the retry is provably the same request: same account, same body. Anything else is
 * 422 IDEMPOTENCY_KEY_REUSED, or is decided as the new request it is.
 */
let h: TradingHarness;
beforeAll(async () => { h = await startTradingHarness('backstop_proof'); });
afterAll(async () => { await h.close(); });

const limitBuy = (overrides: Record<string, unknown> = {}) => ({
  symbol: 'AAPL', side: 'buy', type: 'limit', quantity: '3', limit_price: '150.00', time_in_force: 'day', ...overrides,
});

const workingOrder = async () => {
  const user = await h.fundedAccount('10000.00');
  const order = (await h.request('POST', '/v1/orders', { token: user.token, key: randomUUID(), body: limitBuy() })).body;
  await h.system(user.accountId, { type: 'AcknowledgeOrder', data: { orderId: order.order_id, venue: 'XNAS', atMs: h.clock.nowMs } });
  return { user, orderId: order.order_id as string };
};

it('answers a replace retried with the same terms, written differently, from the stream', async () => {
  const { user, orderId } = await workingOrder();
  const key = randomUUID();
  const first = await h.request('PATCH', `/v1/orders/${orderId}`, { token: user.token, key, body: { limit_price: '148.00', quantity: '3' }, headers: { 'If-Match': '"v2"' } });
  expect(first.status).toBe(200);
  await h.flushIdempotency();
  const retry = await h.request('PATCH', `/v1/orders/${orderId}`, { token: user.token, key, body: { quantity: '3.0', limit_price: '148' }, headers: { 'If-Match': '"v2"' } });
  expect(retry.status).toBe(200);
  expect(retry.body).toMatchObject({ order_id: orderId, status: 'pending_replace' });
});

it('refuses a replace retried under the same key with other terms: 422, not the first answer', async () => {
  const { user, orderId } = await workingOrder();
  const key = randomUUID();
  const patch = (body: unknown) => h.request('PATCH', `/v1/orders/${orderId}`, { token: user.token, key, body, headers: { 'If-Match': '"v2"' } });
  expect((await patch({ limit_price: '148.00' })).status).toBe(200);
  await h.flushIdempotency();
  const otherPrice = await patch({ limit_price: '147.00' });
  expect(otherPrice.status).toBe(422);
  expect(otherPrice.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
  const otherQuantity = await patch({ limit_price: '148.00', quantity: '2' });
  expect(otherQuantity.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
});

it('answers a cancel only to its own account: another user with the same key and order id finds nothing', async () => {
  const { user, orderId } = await workingOrder();
  const key = randomUUID();
  expect((await h.request('DELETE', `/v1/orders/${orderId}`, { token: user.token, key })).status).toBe(200);
  await h.flushIdempotency();
  const stranger = await h.signUp();
  const theirs = await h.request('DELETE', `/v1/orders/${orderId}`, { token: stranger.token, key });
  expect(theirs.status).toBe(404);
  expect(theirs.body.error.code).toBe('ORDER_NOT_FOUND');
  const mine = await h.request('DELETE', `/v1/orders/${orderId}`, { token: user.token, key });
  expect(mine.status).toBe(200);
  expect(mine.body).toMatchObject({ order_id: orderId, status: 'pending_cancel' });
});

it('places a new order for another user who reuses a key, never answering with the first user\'s order', async () => {
  const owner = await h.fundedAccount('10000.00');
  const key = randomUUID();
  const first = await h.request('POST', '/v1/orders', { token: owner.token, key, body: limitBuy() });
  await h.flushIdempotency();
  const other = await h.fundedAccount('10000.00');
  const theirs = await h.request('POST', '/v1/orders', { token: other.token, key, body: limitBuy() });
  expect(theirs.status).toBe(201);
  expect(theirs.body.order_id).not.toBe(first.body.order_id);
});

it('refuses a transfer retried under the same key with another amount or direction', async () => {
  const user = await h.fundedAccount('10000.00');
  const key = randomUUID();
  const transfer = (body: unknown) => h.request('POST', '/v1/transfers', { token: user.token, key, body });
  expect((await transfer({ direction: 'withdrawal', amount: '100.00' })).status).toBe(201);
  await h.flushIdempotency();
  const more = await transfer({ direction: 'withdrawal', amount: '1000.00' });
  expect(more.status).toBe(422);
  expect(more.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
  await h.flushIdempotency();
  const deposit = await transfer({ direction: 'deposit', amount: '100.00' });
  expect(deposit.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
  await h.flushIdempotency();
  const same = await transfer({ direction: 'withdrawal', amount: '100.0' });
  expect(same.status).toBe(201);
  expect(same.body).toMatchObject({ direction: 'withdrawal', amount: '100.00' });
});
