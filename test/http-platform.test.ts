import jwt from 'jsonwebtoken';
import { collect } from '../infrastructure/event-store/port';
import { createHttpApp } from '../infrastructure/http/server';
import { createLogger } from '../infrastructure/logging';
import { createMetrics } from '../infrastructure/metrics';
import { createUsersRouter } from '../commands/users/router';
import { userStreamId } from '../commands/users/events';
import { createInMemoryEventStore } from '../infrastructure/event-store/in-memory';
import { createInMemoryIdempotencyStore } from '../infrastructure/idempotency/in-memory-store';
import { createAssetsRouter } from '../read-api/assets/route';
import { buildOpenApiDocument } from '../app/openapi/document';
import { assertRoutesMatchOpenApi, listRoutes } from '../app/openapi/route-check';
import { call, JWT_SECRET, signUp, startHarness, type Harness, type Reply } from './support/http-platform-harness';
import { ERROR_STATUSES } from '../app/error-statuses';

/** Routes the lead mounts on the full app; documented now, registered later. */
/** Mounted by the full trading API (test/trading-api.test.ts checks that one against the whole document). */
const LEAD_ROUTES = ['POST /v1/transfers', 'POST /v1/orders', 'GET /v1/orders/{id}', 'PATCH /v1/orders/{id}', 'DELETE /v1/orders/{id}',
  'GET /v1/market/quotes', 'GET /v1/market/candles/{symbol}', 'GET /v1/market/book/{symbol}',
  'GET /v1/orders', 'GET /v1/portfolio', 'GET /v1/portfolio/history', 'GET /v1/account/activities', 'GET /v1/compliance/accounts/{id}/replay'];

let h: Harness;
let ready = true;
let token = '';
let accountId = '';
beforeAll(async () => {
  h = await startHarness('http-platform', { withProbes: true, ready: () => ready });
  const created = await signUp(h, 'Owner@Example.com ', 'owner-signup');
  expect(created.status).toBe(201);
  token = created.body.token;
  accountId = created.body.account_id;
});
afterAll(async () => { await h.close(); });

const authed = (key?: string, extra: Record<string, string> = {}) => ({ authorization: `Bearer ${token}`, ...(key ? { 'Idempotency-Key': key } : {}), ...extra });
const errorCode = (reply: Reply): unknown => reply.body?.error?.code;

describe('platform routes', () => {
  it('answers healthz 200 when ready and 503 when the readiness check says no', async () => {
    expect((await call(h, 'GET', '/healthz')).status).toBe(200);
    ready = false;
    const down = await call(h, 'GET', '/healthz');
    ready = true;
    expect(down.status).toBe(503);
    expect(down.body.status).toBe('unavailable');
  });

  it('records Prometheus metrics labelled by route pattern, not raw path, and serves them only on the ops port', async () => {
    await call(h, 'GET', '/v1/assets/MSFT');
    const scraped = await h.metrics.registry.metrics();
    expect(scraped).toContain('http_request_duration_seconds_bucket');
    expect(scraped).toContain('route="/v1/assets/:symbol"');
    expect(scraped).not.toContain('route="/v1/assets/MSFT"');
    expect((await call(h, 'GET', '/metrics')).status).toBe(404);
  });

  it('serves an OpenAPI 3.1 document that matches the registered routes', async () => {
    const reply = await call(h, 'GET', '/v1/openapi.json');
    expect(reply.status).toBe(200);
    expect(reply.body.openapi).toBe('3.1.0');
    const plain = createHttpApp({
      logger: createLogger({ level: 'silent' }), metrics: createMetrics(), openApiDocument: reply.body, errorStatuses: ERROR_STATUSES,
      routers: [createUsersRouter({ store: createInMemoryEventStore(), idempotencyStore: createInMemoryIdempotencyStore(), jwtSecret: JWT_SECRET, logger: createLogger({ level: 'silent' }), openAccount: async () => {} }), createAssetsRouter()],
    });
    expect(() => assertRoutesMatchOpenApi(plain.app, reply.body, { ignoreUnregistered: LEAD_ROUTES })).not.toThrow();
    expect(() => assertRoutesMatchOpenApi(plain.app, reply.body)).toThrow(/documented but not registered \[.*POST \/v1\/orders/);
    expect(() => assertRoutesMatchOpenApi(h.http.app, reply.body, { ignoreUnregistered: LEAD_ROUTES })).toThrow(/undocumented \[.*POST \/test\/orders/);
    expect(listRoutes(plain.app)).toEqual(expect.arrayContaining(['GET /healthz', 'GET /v1/openapi.json', 'GET /v1/assets/{}']));
  });

  it('documents the idempotency header, bearer scheme and error body', () => {
    const doc = JSON.parse(JSON.stringify(buildOpenApiDocument())) as Reply['body'];
    expect(doc.components.securitySchemes.bearer.scheme).toBe('bearer');
    expect(doc.paths['/v1/orders'].post.parameters[0].$ref).toBe('#/components/parameters/IdempotencyKey');
    expect(doc.paths['/v1/orders'].post.responses['422'].description).toContain('INSUFFICIENT_BUYING_POWER');
    expect(doc.components.schemas.Error.properties.error.required).toEqual(['code', 'message']);
  });
});

describe('error mapping', () => {
  it('answers an unknown route with 404 NOT_FOUND in the error shape', async () => {
    const reply = await call(h, 'GET', '/v1/nothing-here');
    expect(reply.status).toBe(404);
    expect(reply.body).toEqual({ error: { code: 'NOT_FOUND', message: expect.any(String) } });
  });

  it('answers malformed JSON with 400 MALFORMED_JSON', async () => {
    const reply = await call(h, 'POST', '/v1/sessions', { raw: '{"email": "a@b.co", ' });
    expect(reply.status).toBe(400);
    expect(errorCode(reply)).toBe('MALFORMED_JSON');
  });

  it('refuses a body over the size limit with 413', async () => {
    const reply = await call(h, 'POST', '/v1/sessions', { body: { email: 'a@b.co', password: 'x'.repeat(10_000) } });
    expect(reply.status).toBe(413);
    expect(errorCode(reply)).toBe('PAYLOAD_TOO_LARGE');
  });

  it('turns a thrown exception into 500 INTERNAL with the correlation id, logged, no detail leaked', async () => {
    const reply = await call(h, 'GET', '/test/boom', { headers: { 'X-Correlation-Id': 'corr-boom-1' } });
    expect(reply.status).toBe(500);
    expect(errorCode(reply)).toBe('INTERNAL');
    expect(reply.body.error.message).toContain('corr-boom-1');
    expect(reply.body.error.message).not.toContain('kaboom');
    const logged = h.logLines.map((line) => JSON.parse(line)).find((entry) => entry.msg === 'unhandled error');
    expect(logged).toMatchObject({ correlationId: 'corr-boom-1', err: { message: 'kaboom with secret detail' } });
  });

  it('echoes a well-formed correlation id and replaces a malformed one', async () => {
    expect((await call(h, 'GET', '/healthz', { headers: { 'X-Correlation-Id': 'abc-123' } })).headers.get('x-correlation-id')).toBe('abc-123');
    const replaced = (await call(h, 'GET', '/healthz', { headers: { 'X-Correlation-Id': 'bad id <script>' } })).headers.get('x-correlation-id');
    expect(replaced).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('sign-up and log-in', () => {
  it('opens the trading account and returns a working token', async () => {
    expect(h.opened).toContainEqual({ accountId, email: 'owner@example.com', atMs: expect.any(Number) });
    const reply = await call(h, 'POST', '/test/orders', { body: { symbol: 'AAPL', quantity: '1' }, headers: authed('probe-token') });
    expect(reply.status).toBe(201);
    expect(reply.body.account).toBe(accountId);
  });

  it('stores only an scrypt hash of the password, and never logs it or the token', async () => {
    const events = await collect(h.store.readStream(userStreamId('owner@example.com')));
    expect(events).toHaveLength(1);
    expect(JSON.stringify(events[0]!.data)).not.toContain('correct horse battery');
    expect((events[0]!.data as { passwordHash: string }).passwordHash).toMatch(/^scrypt\$32768\$8\$1\$/);
    const logs = h.logLines.join('\n');
    expect(logs).not.toContain('correct horse battery');
    expect(logs).not.toContain(token);
  });

  it('refuses a second account for the same email, whatever its case: 409 EMAIL_TAKEN', async () => {
    const reply = await signUp(h, 'OWNER@example.COM', 'another-key');
    expect(reply.status).toBe(409);
    expect(reply.body.error).toMatchObject({ code: 'EMAIL_TAKEN', field: 'email' });
  });

  it('logs in with the right password and refuses wrong password and unknown email alike', async () => {
    const good = await call(h, 'POST', '/v1/sessions', { body: { email: 'owner@example.com', password: 'correct horse battery' } });
    expect(good.status).toBe(200);
    expect(good.body.account_id).toBe(accountId);
    const wrong = await call(h, 'POST', '/v1/sessions', { body: { email: 'owner@example.com', password: 'wrong horse battery' } });
    const unknown = await call(h, 'POST', '/v1/sessions', { body: { email: 'nobody@example.com', password: 'correct horse battery' } });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    expect(errorCode(wrong)).toBe('INVALID_CREDENTIALS');
  });

  it.each([
    [{ email: 'not-an-email', password: 'long enough pass' }, 'email'],
    [{ email: 'short@example.com', password: 'short' }, 'password'],
    [{ email: 'extra@example.com', password: 'long enough pass', is_admin: true }, 'is_admin'],
    [{ email: 'kid@example.com', password: 'long enough pass', date_of_birth: '2020-01-01' }, 'date_of_birth'],
    [{ email: 'bad-date@example.com', password: 'long enough pass', date_of_birth: '1990-02-30' }, 'date_of_birth'],
    [{ password: 'long enough pass' }, 'email'],
  ])('refuses sign-up body %j naming %s', async (body, field) => {
    const reply = await call(h, 'POST', '/v1/accounts', { body, headers: { 'Idempotency-Key': `bad-${field}-${JSON.stringify(body).length}` } });
    expect(reply.status).toBe(400);
    expect(reply.body.error).toMatchObject({ code: 'VALIDATION_FAILED', field });
  });

  it('answers a retried sign-up with the same account even after Redis lost the key (event-store backstop)', async () => {
    const first = await signUp(h, 'retry@example.com', 'retry-key');
    await h.redis.del(`${h.prefix}sign-up:retry-key`);
    const again = await signUp(h, 'retry@example.com', 'retry-key');
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBeNull();
    expect(again.body.account_id).toBe(first.body.account_id);
    expect(h.opened.filter((o) => o.email === 'retry@example.com').map((o) => o.accountId)).toEqual([first.body.account_id, first.body.account_id]);
  });
});

describe('bearer authentication', () => {
  const probe = (authorization?: string) =>
    call(h, 'POST', '/test/orders', { body: { symbol: 'AAPL', quantity: '1' }, headers: { 'Idempotency-Key': `auth-${Math.random()}`, ...(authorization ? { authorization } : {}) } });
  const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const nowS = () => Math.floor(Date.now() / 1000);

  it.each([
    ['no header', undefined],
    ['not bearer', `Basic ${Buffer.from('a:b').toString('base64')}`],
    ['garbage', 'Bearer not.a.token'],
    ['signed with another secret', () => `Bearer ${jwt.sign({}, 'some-other-secret-of-enough-length-123456', { algorithm: 'HS256', subject: 'victim', issuer: 'brokerage' })}`],
    ['alg none', () => `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'victim', iss: 'brokerage', exp: nowS() + 60 })}.`],
    ['another algorithm (HS512) with our secret', () => `Bearer ${jwt.sign({}, JWT_SECRET, { algorithm: 'HS512', subject: 'victim', issuer: 'brokerage' })}`],
    ['expired', () => `Bearer ${jwt.sign({ exp: nowS() - 10 }, JWT_SECRET, { algorithm: 'HS256', subject: 'victim', issuer: 'brokerage' })}`],
    ['tampered subject', () => { const [head, , sig] = token.split('.'); return `Bearer ${head}.${b64({ sub: 'victim', iss: 'brokerage', exp: nowS() + 60 })}.${sig}`; }],
  ])('answers 401 UNAUTHENTICATED for %s', async (_name, header) => {
    const reply = await probe(typeof header === 'function' ? header() : header);
    expect(reply.status).toBe(401);
    expect(errorCode(reply)).toBe('UNAUTHENTICATED');
    expect(reply.headers.get('www-authenticate')).toContain('Bearer');
  });
});

describe('money fields', () => {
  it('refuses a JSON number in a price field, naming it', async () => {
    const reply = await call(h, 'POST', '/test/orders', { body: { symbol: 'AAPL', quantity: '10', limit_price: 185.5 }, headers: authed('float-price') });
    expect(reply.status).toBe(400);
    expect(reply.body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'limit_price' });
    expect(reply.body.error.message).toContain('not a JSON number');
  });

  it('refuses too many decimals and unknown fields; accepts fractional quantities', async () => {
    const fine = await call(h, 'POST', '/test/orders', { body: { symbol: 'AAPL', quantity: '0.000001', limit_price: '185.5' }, headers: authed('fractional') });
    expect(fine.status).toBe(201);
    const tooFine = await call(h, 'POST', '/test/orders', { body: { symbol: 'AAPL', quantity: '1', limit_price: '185.12345' }, headers: authed('too-fine') });
    expect(tooFine.body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'limit_price' });
    const typo = await call(h, 'POST', '/test/orders', { body: { symbol: 'AAPL', quantity: '1', limit_prise: '1.00' }, headers: authed('typo') });
    expect(typo.body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'limit_prise' });
  });
});

describe('idempotency', () => {
  const order = { symbol: 'AAPL', quantity: '3' };

  it('requires a key: 400 IDEMPOTENCY_KEY_MISSING', async () => {
    const reply = await call(h, 'POST', '/test/orders', { body: order, headers: authed() });
    expect(reply.status).toBe(400);
    expect(errorCode(reply)).toBe('IDEMPOTENCY_KEY_MISSING');
  });

  it('replays the first response for the same key and body, under either header name', async () => {
    const first = await call(h, 'POST', '/test/orders', { body: order, headers: authed('replay-1') });
    const second = await call(h, 'POST', '/test/orders', { body: { quantity: '3', symbol: 'AAPL' }, headers: { authorization: `Bearer ${token}`, 'X-Idempotency-Key': 'replay-1' } });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers.get('etag')).toBe(first.headers.get('etag'));
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(first.body.key).toBe('replay-1');
  });

  it('refuses the same key with another body: 422 IDEMPOTENCY_KEY_REUSED', async () => {
    await call(h, 'POST', '/test/orders', { body: order, headers: authed('reuse-1') });
    const reply = await call(h, 'POST', '/test/orders', { body: { ...order, quantity: '4' }, headers: authed('reuse-1') });
    expect(reply.status).toBe(422);
    expect(errorCode(reply)).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('refuses the two header names carrying different keys', async () => {
    const reply = await call(h, 'POST', '/test/orders', { body: order, headers: authed('one', { 'X-Idempotency-Key': 'two' }) });
    expect(reply.status).toBe(400);
    expect(reply.body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'Idempotency-Key' });
  });

  it('answers 409 IDEMPOTENCY_REQUEST_IN_FLIGHT while the first request runs, then replays it', async () => {
    const slow = call(h, 'POST', '/test/slow', { body: {}, headers: authed('slow-1') });
    let inFlight = await call(h, 'POST', '/test/slow', { body: {}, headers: authed('slow-1') });
    // The first request may not have claimed the key yet when the second arrives; poll (bounded) until it has.
    for (let attempt = 0; attempt < 50 && inFlight.status !== 409; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      inFlight = await call(h, 'POST', '/test/slow', { body: {}, headers: authed(`slow-1`) });
    }
    expect(inFlight.status).toBe(409);
    expect(errorCode(inFlight)).toBe('IDEMPOTENCY_REQUEST_IN_FLIGHT');
    h.gate.open();
    expect((await slow).status).toBe(201);
    const replay = await call(h, 'POST', '/test/slow', { body: {}, headers: authed('slow-1') });
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
  });

  it('does not keep a 5xx: the retry runs again', async () => {
    h.failures.left = 1;
    const failed = await call(h, 'POST', '/test/flaky', { body: {}, headers: authed('flaky-1') });
    expect(failed.status).toBe(503);
    expect(errorCode(failed)).toBe('SYS_CONCURRENCY_RETRIES_EXHAUSTED');
    const retried = await call(h, 'POST', '/test/flaky', { body: {}, headers: authed('flaky-1') });
    expect(retried.status).toBe(201);
    expect(retried.headers.get('idempotent-replayed')).toBeNull();
  });

  it('keeps a 4xx: the same bad request gets the same answer', async () => {
    const bad = { symbol: 'AAPL', quantity: 3 };
    const first = await call(h, 'POST', '/test/orders', { body: bad, headers: authed('bad-1') });
    const second = await call(h, 'POST', '/test/orders', { body: bad, headers: authed('bad-1') });
    expect(first.status).toBe(400);
    expect(second.body).toEqual(first.body);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
  });

  it('scopes keys by account: another account with the same key runs its own request', async () => {
    const other = await signUp(h, 'other@example.com', 'other-signup');
    const mine = await call(h, 'POST', '/test/orders', { body: order, headers: authed('shared-key') });
    const theirs = await call(h, 'POST', '/test/orders', { body: order, headers: { authorization: `Bearer ${other.body.token}`, 'Idempotency-Key': 'shared-key' } });
    expect(theirs.status).toBe(201);
    expect(theirs.body.account).toBe(other.body.account_id);
    expect(theirs.body.n).not.toBe(mine.body.n);
  });
});

describe('assets', () => {
  it('lists at least the S&P 500 with decimal reference prices', async () => {
    const reply = await call(h, 'GET', '/v1/assets');
    expect(reply.body.assets.length).toBeGreaterThanOrEqual(500);
    for (const asset of reply.body.assets) expect(asset.reference_price).toMatch(/^\d+\.\d{2}$/);
  });

  it('finds one symbol by query or path, case-insensitively, and 404s an unknown one', async () => {
    expect((await call(h, 'GET', '/v1/assets?symbol=aapl')).body.assets).toEqual([expect.objectContaining({ symbol: 'AAPL' })]);
    expect((await call(h, 'GET', '/v1/assets/brk.b')).body).toMatchObject({ symbol: 'BRK.B' });
    const unknown = await call(h, 'GET', '/v1/assets/ZZZZ');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({ code: 'UNKNOWN_SYMBOL', field: 'symbol' });
  });
});
