import { randomUUID } from 'node:crypto';
import * as E from 'fp-ts/Either';
import { createTradingApi } from '../app/trading-api';
import { asCash, asPrice, asQuantity } from '../domain/money';
import { signAccessToken } from '../infrastructure/auth/jwt';
import { createInMemoryEventStore } from '../infrastructure/event-store/in-memory';
import { collect } from '../infrastructure/event-store/port';
import { createInMemoryIdempotencyStore } from '../infrastructure/idempotency/in-memory-store';
import { createLogger } from '../infrastructure/logging';
import { createMetrics } from '../infrastructure/metrics';
import { accountStreamOf, executeAccountCommand } from './accounts/account-stream';

/**
 * A decimal is decoded once, by the body's codec: a malformed amount, price or quantity is refused there
 * (400 VALIDATION_FAILED naming the field) and never reaches the decider, so nothing is appended.
 * The decider's own tests cover the business rules on decoded values.
 */
const JWT_SECRET = 'decimals-at-the-edge-secret-long-enough-for-hs256';
const ACCOUNT_ID = 'acc-edge';
const ORDER_ID = randomUUID();
const T0 = 1_700_000_000_000;

const store = createInMemoryEventStore();
const api = createTradingApi({
  store, idempotencyStore: createInMemoryIdempotencyStore(), jwtSecret: JWT_SECRET,
  logger: createLogger({ level: 'silent' }), metrics: createMetrics(), nowMs: () => T0,
});
let baseUrl = '';
const token = signAccessToken({ accountId: ACCOUNT_ID }, JWT_SECRET);

beforeAll(async () => {
  baseUrl = `http://127.0.0.1:${await api.start(0, '127.0.0.1')}`;
  const run = async (command: Parameters<typeof executeAccountCommand>[2]) => {
    const result = await executeAccountCommand(store, ACCOUNT_ID, command, { eventIdSource: randomUUID(), metadata: { actor: 'system:test' } });
    if (E.isLeft(result)) throw new Error(`setup ${command.type}: ${result.left.code}`);
  };
  await run({ type: 'OpenAccount', data: { accountId: ACCOUNT_ID, email: 'edge@example.com', atMs: T0 } });
  await run({ type: 'RequestDeposit', data: { transferId: 'd1', amount: asCash('10000.00'), atMs: T0 } });
  await run({ type: 'SettleDeposit', data: { transferId: 'd1', atMs: T0 } });
  await run({
    type: 'PlaceOrder',
    data: { orderId: ORDER_ID, symbol: 'AAPL', side: 'buy', type: 'limit', quantity: asQuantity('1'), limitPrice: asPrice('100.00'), timeInForce: 'gtc', extendedHours: false, referencePrice: asPrice('100.00'), atMs: T0 },
  });
  await run({ type: 'AcknowledgeOrder', data: { orderId: ORDER_ID, venue: 'XNAS', atMs: T0 } });
});
afterAll(async () => { await api.stop(); });

const streamLength = async (): Promise<number> => (await collect(store.readStream(accountStreamOf(ACCOUNT_ID)))).length;

const send = async (method: string, path: string, body: unknown, headers: Record<string, string> = {}) => {
  const reply = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Idempotency-Key': randomUUID(), 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: reply.status, body: await reply.json() as { error?: { code: string; field?: string } } };
};

const limitBuy = (overrides: Record<string, unknown>) => ({ symbol: 'AAPL', side: 'buy', type: 'limit', quantity: '1', limit_price: '100.00', ...overrides });
const replaceOrder = async (body: unknown) => {
  const etag = ((await (await fetch(`${baseUrl}/v1/orders/${ORDER_ID}`, { headers: { Authorization: `Bearer ${token}` } })).json()) as { etag: string }).etag;
  return send('PATCH', `/v1/orders/${ORDER_ID}`, body, { 'If-Match': `"${etag}"` });
};

it.each([
  ['a deposit in exponent notation', () => send('POST', '/v1/transfers', { direction: 'deposit', amount: '1e3' }), 'amount'],
  ['a negative deposit', () => send('POST', '/v1/transfers', { direction: 'deposit', amount: '-5.00' }), 'amount'],
  ['a deposit finer than a cent', () => send('POST', '/v1/transfers', { direction: 'deposit', amount: '5.001' }), 'amount'],
  ['a withdrawal that is not a number', () => send('POST', '/v1/transfers', { direction: 'withdrawal', amount: 'abc' }), 'amount'],
  ['an order quantity finer than a millionth', () => send('POST', '/v1/orders', limitBuy({ quantity: '1.0000001' })), 'quantity'],
  ['a limit price in exponent notation', () => send('POST', '/v1/orders', limitBuy({ limit_price: '1e2' })), 'limit_price'],
  ['a limit price finer than a tick', () => send('POST', '/v1/orders', limitBuy({ limit_price: '100.00001' })), 'limit_price'],
  ['a notional finer than a cent', () => send('POST', '/v1/orders', { symbol: 'AAPL', side: 'buy', type: 'market', notional: '5.001' }), 'notional'],
  ['a replacement quantity finer than a millionth', () => replaceOrder({ quantity: '1.0000001' }), 'quantity'],
  ['a replacement limit price in exponent notation', () => replaceOrder({ limit_price: '1e2' }), 'limit_price'],
])('refuses %s with 400 VALIDATION_FAILED on its field, appending nothing', async (_label, request, field) => {
  const before = await streamLength();
  const reply = await request();
  expect(reply.status).toBe(400);
  expect(reply.body.error).toMatchObject({ code: 'VALIDATION_FAILED', field });
  expect(await streamLength()).toBe(before);
});

it('takes the same requests with well-formed decimals (the refusals above are the decimals, not the rest)', async () => {
  const before = await streamLength();
  expect((await send('POST', '/v1/transfers', { direction: 'deposit', amount: '5.00' })).status).toBe(201);
  expect((await send('POST', '/v1/orders', limitBuy({ quantity: '1.000001', limit_price: '100.0001' }))).status).toBe(201);
  expect((await replaceOrder({ quantity: '2', limit_price: '100.00' })).status).toBe(200);
  expect(await streamLength()).toBe(before + 3);
});
