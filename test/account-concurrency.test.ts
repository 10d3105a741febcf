import { randomUUID } from 'node:crypto';
import { collect } from '../infrastructure/event-store/port';
import { accountStreamOf } from '../commands/accounts/account-stream';
import { startTradingHarness, type TradingHarness } from './support/trading-harness';

let h: TradingHarness;
beforeAll(async () => { h = await startTradingHarness('account_concurrency'); });
afterAll(async () => { await h.close(); });

const PARALLEL_BUYS = 30;

it('accepts 30 concurrent $20 market buys on one account: its commands take turns in the process instead of racing', async () => {
  const user = await h.fundedAccount('10000.00');
  const replies = await Promise.all(Array.from({ length: PARALLEL_BUYS }, () =>
    h.request('POST', '/v1/orders', { token: user.token, key: randomUUID(), body: { symbol: 'AAPL', side: 'buy', type: 'market', notional: '20.00' } })));
  expect(replies.map((reply) => reply.status)).toEqual(Array.from({ length: PARALLEL_BUYS }, () => 201));
  expect(new Set(replies.map((reply) => reply.body.order_id)).size).toBe(PARALLEL_BUYS);
  const placed = (await collect(h.store.readStream(accountStreamOf(user.accountId)))).filter((event) => event.type === 'OrderPlaced');
  expect(placed).toHaveLength(PARALLEL_BUYS);
});

it('tells a client refused with 429 when to come back (Retry-After)', async () => {
  const user = await h.fundedAccount('10000.00');
  let refused;
  // The account's limit is 60 orders per rolling minute (the clock stands still here).
  for (let attempt = 0; attempt < 70 && refused === undefined; attempt += 1) {
    const reply = await h.request('POST', '/v1/orders', { token: user.token, key: randomUUID(), body: { symbol: 'AAPL', side: 'buy', type: 'limit', quantity: '0.01', limit_price: '150.00' } });
    if (reply.status !== 201) refused = reply;
  }
  expect(refused?.status).toBe(429);
  expect(refused?.body.error.code).toBe('RATE_LIMIT_EXCEEDED');
  expect(Number(refused?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
});
