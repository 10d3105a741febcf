import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { startTradingHarness, TRADING_JWT_SECRET, type Reply, type TradingHarness } from './support/trading-harness';

/**
 * OWASP API Security Top 10 (2023), one row per risk that applies to this API, each a real HTTP exchange
 * with a running server (PostgreSQL events, Redis idempotency, throttles and sessions). API7 (SSRF) and
 * API10 (unsafe consumption of third-party APIs) do not apply: no route fetches a URL a client names, and
 * the only upstream is our own market data feed, which never reaches a command.
 */
let h: TradingHarness;
const LOOPBACK = ['127.0.0.1', '::1', '::ffff:127.0.0.1'];
beforeAll(async () => { h = await startTradingHarness('owasp', { throttle: { signUpsPerIpMax: 3 }, trustedProxies: LOOPBACK }); });
afterAll(async () => { await h.close(); });

let addressSeq = 0;
/** Each user from an address of its own, so the sign-up throttle (3 per address) is tested by one row only. */
const user = async (deposit?: string) => {
  addressSeq += 1;
  const signedUp = await h.request('POST', '/v1/accounts', {
    key: randomUUID(), body: { email: `${randomUUID()}@example.com`, password: 'correct horse battery' }, headers: { 'X-Forwarded-For': `192.0.2.${addressSeq}` },
  });
  const { account_id: accountId, token } = signedUp.body as { account_id: string; token: string };
  if (deposit !== undefined) {
    const made = await h.request('POST', '/v1/transfers', { token, key: randomUUID(), body: { direction: 'deposit', amount: deposit } });
    await h.system(accountId, { type: 'SettleDeposit', data: { transferId: made.body.transfer_id, atMs: h.clock.nowMs } });
  }
  return { accountId, token };
};
const limitBuy = { symbol: 'AAPL', side: 'buy', type: 'limit', quantity: '1', limit_price: '150.00' };
const codeOf = (reply: Reply): string | undefined => reply.body?.error?.code;

it.each<[string, () => Promise<void>]>([
  ['API1 Broken Object Level Authorization: another user\'s order is not found, read, changed or cancelled', async () => {
    const owner = await user('1000.00');
    const order = await h.request('POST', '/v1/orders', { token: owner.token, key: randomUUID(), body: limitBuy });
    const stranger = await user();
    const path = `/v1/orders/${order.body.order_id}`;
    expect(codeOf(await h.request('GET', path, { token: stranger.token }))).toBe('ORDER_NOT_FOUND');
    expect(codeOf(await h.request('DELETE', path, { token: stranger.token, key: randomUUID() }))).toBe('ORDER_NOT_FOUND');
    expect(codeOf(await h.request('PATCH', path, { token: stranger.token, key: randomUUID(), body: { limit_price: '1.00' }, headers: { 'If-Match': '"v1"' } }))).toBe('ORDER_NOT_FOUND');
    expect((await h.request('GET', path, { token: owner.token })).body.status).toBe('pending_new');
  }],
  ['API2 Broken Authentication: forged, unsigned, over-long-lived and revoked tokens are refused', async () => {
    const victim = await user();
    const forged = jwt.sign({}, 'not-our-secret-but-long-enough-0123456789', { algorithm: 'HS256', subject: victim.accountId, issuer: 'brokerage', expiresIn: 600 });
    const unsigned = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: victim.accountId, iss: 'brokerage', exp: 9_999_999_999 })).toString('base64url')}.`;
    const century = jwt.sign({}, TRADING_JWT_SECRET, { algorithm: 'HS256', subject: victim.accountId, issuer: 'brokerage', expiresIn: '36500d' });
    for (const token of [forged, unsigned, century]) expect(codeOf(await h.request('GET', `/v1/orders/${randomUUID()}`, { token }))).toBe('UNAUTHENTICATED');
    await h.request('DELETE', '/v1/sessions/current', { token: victim.token });
    expect(codeOf(await h.request('GET', `/v1/orders/${randomUUID()}`, { token: victim.token }))).toBe('TOKEN_REVOKED');
  }],
  ['API3 Broken Object Property Level Authorization: no field beyond the body\'s own is taken, none secret is shown', async () => {
    const buyer = await user('1000.00');
    const smuggled = await h.request('POST', '/v1/orders', { token: buyer.token, key: randomUUID(), body: { ...limitBuy, account_id: randomUUID() } });
    expect(smuggled.status).toBe(400);
    expect(smuggled.body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'account_id' });
    const status = await h.request('POST', '/v1/transfers', { token: buyer.token, key: randomUUID(), body: { direction: 'deposit', amount: '5.00', status: 'completed' } });
    expect(status.body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'status' });
    const session = await h.request('POST', '/v1/accounts', { key: randomUUID(), body: { email: `${randomUUID()}@example.com`, password: 'correct horse battery' }, headers: { 'X-Forwarded-For': '192.0.2.250' } });
    expect(Object.keys(session.body).sort()).toEqual(['account_id', 'token']);
  }],
  ['API4 Unrestricted Resource Consumption: oversized and deeply nested bodies and order floods are refused', async () => {
    const buyer = await user('1000.00');
    const huge = await h.request('POST', '/v1/orders', { token: buyer.token, key: randomUUID(), body: JSON.stringify({ ...limitBuy, symbol: 'A'.repeat(200_000) }) });
    expect(huge.status).toBe(413);
    const deep = await h.request('POST', '/v1/orders', { token: buyer.token, key: randomUUID(), body: `${'['.repeat(5_000)}${']'.repeat(5_000)}` });
    expect(codeOf(deep)).toBe('JSON_TOO_DEEP');
    let flood: Reply | undefined;
    for (let attempt = 0; attempt < 70 && flood === undefined; attempt += 1) {
      const reply = await h.request('POST', '/v1/orders', { token: buyer.token, key: randomUUID(), body: { ...limitBuy, quantity: '0.01' } });
      if (reply.status !== 201) flood = reply;
    }
    expect(flood?.status).toBe(429);
    expect(flood?.headers.get('retry-after')).not.toBeNull();
  }],
  ['API5 Broken Function Level Authorization: system commands (settle, fill, acknowledge) have no public route', async () => {
    const someone = await user();
    for (const [method, path] of [['POST', `/v1/transfers/${randomUUID()}/settle`], ['POST', `/v1/orders/${randomUUID()}/fills`], ['POST', '/v1/admin/accounts']] as const) {
      const reply = await h.request(method, path, { token: someone.token, key: randomUUID(), body: {} });
      expect(reply.status).toBe(404);
    }
  }],
  ['API6 Unrestricted Access to Sensitive Business Flows: sign-ups from one address are throttled', async () => {
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 4; attempt += 1) {
      statuses.push((await h.request('POST', '/v1/accounts', { key: randomUUID(), body: { email: `${randomUUID()}@example.com`, password: 'correct horse battery' }, headers: { 'X-Forwarded-For': '198.51.100.77' } })).status);
    }
    expect(statuses).toEqual([201, 201, 201, 429]);
  }],
  ['API8 Security Misconfiguration: security headers, no CORS for strangers, no stack traces, no framework banner', async () => {
    const broken = await h.request('POST', '/v1/transfers', { body: '{"direction":', headers: { Origin: 'https://evil.example.net' } });
    expect(broken.status).toBe(400);
    expect(JSON.stringify(broken.body)).not.toMatch(/at \w+ \(|node_modules|SyntaxError/);
    expect(broken.headers.get('x-content-type-options')).toBe('nosniff');
    expect(broken.headers.get('access-control-allow-origin')).toBeNull();
    expect(broken.headers.get('x-powered-by')).toBeNull();
  }],
  ['API9 Improper Inventory Management: only documented routes answer; metrics stay off the public port', async () => {
    const documented = (await h.request('GET', '/v1/openapi.json')).body.paths as Record<string, unknown>;
    expect(Object.keys(documented)).not.toContain('/metrics');
    expect((await h.request('GET', '/metrics')).status).toBe(404);
    expect((await h.request('GET', '/v0/orders')).status).toBe(404);
  }],
])('%s', async (_risk, check) => { await check(); });
