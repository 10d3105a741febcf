import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { startTradingHarness, type TradingHarness } from './support/trading-harness';

/** Every client mistake is a clean 4xx with a stable code: never a 500, never a silent guess. */
let h: TradingHarness;
let token: string;
beforeAll(async () => {
  h = await startTradingHarness('clean_client_errors');
  ({ token } = await h.fundedAccount('1000.00'));
});
afterAll(async () => { await h.close(); });

const raw = async (method: string, path: string, body?: Buffer | string, headers: Record<string, string> = {}) => {
  const reply = await fetch(`${h.baseUrl}${path}`, {
    method, headers: { Authorization: `Bearer ${token}`, 'Idempotency-Key': randomUUID(), 'Content-Type': 'application/json', ...headers },
    ...(body !== undefined ? { body } : {}),
  });
  return { status: reply.status, body: await reply.json() as { error?: { code: string; field?: string } } };
};

it.each([
  ['a 60 KB body nested 30,000 deep', 400, 'JSON_TOO_DEEP', () => raw('POST', '/v1/transfers', `${'['.repeat(30_000)}${']'.repeat(30_000)}`)],
  ['an object nested 33 deep', 400, 'JSON_TOO_DEEP', () => raw('POST', '/v1/transfers', `${'{"a":'.repeat(33)}1${'}'.repeat(33)}`)],
  ['a key sent twice (the last would silently win)', 400, 'JSON_DUPLICATE_KEY', () => raw('POST', '/v1/transfers', '{"direction":"deposit","amount":"1.00","amount":"900.00"}')],
  ['a gzip Content-Encoding over a body that is not gzip', 400, 'MALFORMED_REQUEST', () => raw('POST', '/v1/transfers', Buffer.from('not gzip at all'), { 'Content-Encoding': 'gzip' })],
  ['a malformed percent-encoded order id', 400, 'MALFORMED_REQUEST', () => raw('GET', '/v1/orders/%E0%A4%A')],
  ['a malformed percent-encoded symbol', 400, 'MALFORMED_REQUEST', () => raw('GET', '/v1/assets/%ZZ')],
])('refuses %s with %i %s', async (_label, status, code, send) => {
  const reply = await send();
  expect(reply.status).toBe(status);
  expect(reply.body.error?.code).toBe(code);
});

it('still takes a well-formed gzip body', async () => {
  const reply = await raw('POST', '/v1/transfers', gzipSync('{"direction":"deposit","amount":"1.00"}'), { 'Content-Encoding': 'gzip' });
  expect(reply.status).toBe(201);
});

it('names fields as the wire does, in snake_case, also for the domain\'s refusals', async () => {
  const reply = await raw('POST', '/v1/orders', JSON.stringify({ symbol: 'AAPL', side: 'buy', type: 'limit', quantity: '1' }));
  expect(reply.status).toBe(400);
  expect(reply.body.error).toMatchObject({ code: 'INVALID_ORDER', field: 'limit_price' });
});

it('refuses a notional order under $1.00 and takes one of exactly $1.00', async () => {
  const tiny = await raw('POST', '/v1/orders', JSON.stringify({ symbol: 'AAPL', side: 'buy', type: 'market', notional: '0.99' }));
  expect(tiny.status).toBe(400);
  expect(tiny.body.error).toMatchObject({ code: 'INVALID_ORDER', field: 'notional' });
  const dollar = await raw('POST', '/v1/orders', JSON.stringify({ symbol: 'AAPL', side: 'buy', type: 'market', notional: '1.00' }));
  expect(dollar.status).toBe(201);
});

it.each([
  '<script>alert(1)</script>@example.com',
  '"><img src=x>@example.com',
  'ann@<b>example</b>.com',
  'Ann <ann@example.com>',
  'ann@[127.0.0.1]',
  'ann@localhost',
])('refuses %s as an email address', async (email) => {
  const reply = await h.request('POST', '/v1/accounts', { key: randomUUID(), body: { email, password: 'correct horse battery' } });
  expect(reply.status).toBe(400);
  expect(reply.body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'email' });
});
