import { randomUUID } from 'node:crypto';
import { startTradingHarness, type TradingHarness } from './support/trading-harness';

const FAILURES_MAX = 5;
const LOCKOUT_S = 2;
const GUESSES = 1_000;
const ADDRESSES = 50;
const IN_FLIGHT_MAX = 50;
const UNLOCK_POLL_MS = 100;
/** 1,000 HTTP guesses take about 3 s here; a CI box 10x slower needs half the default 60 s for them alone. */
const GUESSES_TEST_TIMEOUT_MS = 180_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `tasks` with at most `width` in flight, answers in task order. */
const pooled = async <T>(tasks: ReadonlyArray<() => Promise<T>>, width: number): Promise<T[]> => {
  const results: T[] = new Array<T>(tasks.length);
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    for (let index = next++; index < tasks.length; index = next++) results[index] = await tasks[index]!();
  }));
  return results;
};

describe('behind a trusted proxy (X-Forwarded-For honoured from 127.0.0.1)', () => {
  let h: TradingHarness;
  beforeAll(async () => {
    h = await startTradingHarness('brute_force', { throttle: { loginFailuresPerEmailMax: FAILURES_MAX, loginLockoutS: LOCKOUT_S, loginFailuresPerIpMax: 20 }, trustedProxies: ['127.0.0.1', '::1', '::ffff:127.0.0.1'] });
  });
  afterAll(async () => { await h.close(); });

  it('answers at most the configured number of 1,000 guesses from 50 addresses, records the lock, and lets the owner in once it expires', async () => {
    const email = `${randomUUID()}@example.com`;
    const password = 'the owner\'s real password';
    const owner = await h.request('POST', '/v1/accounts', { key: randomUUID(), body: { email, password } });
    expect(owner.status).toBe(201);

    const guesses = await pooled(Array.from({ length: GUESSES }, (_, index) => () =>
      h.request('POST', '/v1/sessions', { body: { email, password: `guess ${index}` }, headers: { 'X-Forwarded-For': `198.51.100.${index % ADDRESSES}`, 'User-Agent': 'guesser/1.0' } })), IN_FLIGHT_MAX);
    const answered = guesses.filter((reply) => reply.status !== 429);
    expect(answered.length).toBeLessThanOrEqual(FAILURES_MAX);
    expect(answered.every((reply) => reply.status === 401)).toBe(true);
    const refused = guesses.filter((reply) => reply.status === 429);
    expect(refused.every((reply) => reply.body.error.code === 'LOGIN_THROTTLED' && Number(reply.headers.get('retry-after')) >= 1)).toBe(true);

    // Locked: even the right password waits.
    const whileLocked = await h.request('POST', '/v1/sessions', { body: { email, password } });
    expect(whileLocked.status).toBe(429);

    // Each try on a locked email re-arms the lock, so the owner waits what Retry-After says, then tries once.
    expect(Number(whileLocked.headers.get('retry-after'))).toBe(LOCKOUT_S);
    await sleep(LOCKOUT_S * 1000 + UNLOCK_POLL_MS);
    const loggedIn = await h.request('POST', '/v1/sessions', { body: { email, password }, headers: { 'User-Agent': 'owner-phone/2.0' } });
    expect(loggedIn.status).toBe(200);

    const log = await h.request('GET', '/v1/account/security-events', { token: loggedIn.body.token });
    expect(log.status).toBe(200);
    const types = log.body.events.map((event: { type: string }) => event.type);
    expect(types[0]).toBe('LoginSucceeded');
    expect(types.filter((type: string) => type === 'LoginLocked')).toHaveLength(1);
    expect(types.filter((type: string) => type === 'LoginFailed')).toHaveLength(answered.length);
    expect(log.body.events.find((event: { type: string }) => event.type === 'LoginLocked')).toMatchObject({ ip: expect.stringMatching(/^198\.51\.100\.\d+$/), user_agent: 'guesser/1.0' });
    expect(log.body.events[0]).toMatchObject({ user_agent: 'owner-phone/2.0' });
  }, GUESSES_TEST_TIMEOUT_MS);

  it('makes each failure in a row wait longer before the next try', async () => {
    const email = `${randomUUID()}@example.com`;
    await h.request('POST', '/v1/accounts', { key: randomUUID(), body: { email, password: 'right password here' } });
    const wrong = () => h.request('POST', '/v1/sessions', { body: { email, password: 'wrong password' }, headers: { 'X-Forwarded-For': '203.0.113.7' } });
    /** A failure that must make the next try wait `delayS`, then that try at once: refused, and told how long is left. */
    const failThenTry = async (delayS: number): Promise<number> => {
      const failingFromMs = Date.now();
      expect((await wrong()).status).toBe(401);
      const refused = await wrong();
      const tookS = (Date.now() - failingFromMs) / 1000;
      expect(refused.status).toBe(429);
      const retryAfterS = Number(refused.headers.get('retry-after'));
      // Exactly delayS when the two calls are quick; a stall of the box between them leaves less of the wait.
      expect(retryAfterS).toBeLessThanOrEqual(delayS);
      expect(retryAfterS).toBeGreaterThanOrEqual(Math.ceil(delayS - tookS));
      return retryAfterS;
    };
    // Checked after the second and third failures (2 s, then 4 s), not the first (1 s): a stall of about a second
    // between a failure and the try after it, seen on slow CI boxes, outlasts the first wait.
    expect((await wrong()).status).toBe(401);
    await sleep(1_000 + UNLOCK_POLL_MS);
    const second = await failThenTry(2);
    await sleep(second * 1000 + UNLOCK_POLL_MS);
    const third = await failThenTry(4);
    expect(third).toBeGreaterThan(second);
  });

  it('treats an unknown email exactly as a wrong password: 401, then throttled alike', async () => {
    const unknown = `${randomUUID()}@example.com`;
    const first = await h.request('POST', '/v1/sessions', { body: { email: unknown, password: 'whatever it is' }, headers: { 'X-Forwarded-For': '203.0.113.8' } });
    expect(first.status).toBe(401);
    expect(first.body.error.code).toBe('INVALID_CREDENTIALS');
    // Two failures, so the try right after waits 2 s, not 1 s: a stall of the box about a second long let it through.
    await sleep(1_000 + UNLOCK_POLL_MS);
    const second = await h.request('POST', '/v1/sessions', { body: { email: unknown, password: 'whatever it is' }, headers: { 'X-Forwarded-For': '203.0.113.8' } });
    expect(second.status).toBe(401);
    expect(second.body.error.code).toBe('INVALID_CREDENTIALS');
    const again = await h.request('POST', '/v1/sessions', { body: { email: unknown, password: 'whatever it is' }, headers: { 'X-Forwarded-For': '203.0.113.8' } });
    expect(again.status).toBe(429);
  });
});

describe('without a trusted proxy', () => {
  let h: TradingHarness;
  beforeAll(async () => {
    h = await startTradingHarness('brute_force_direct', { throttle: { loginFailuresPerIpMax: 6, signUpsPerIpMax: 5 }, trustedProxies: ['10.9.8.7'] });
  });
  afterAll(async () => { await h.close(); });

  it('ignores a forged X-Forwarded-For: spreading guesses over many emails and "addresses" still locks the one real address', async () => {
    const replies = await pooled(Array.from({ length: 10 }, (_, index) => () =>
      h.request('POST', '/v1/sessions', { body: { email: `${randomUUID()}@example.com`, password: 'spray' }, headers: { 'X-Forwarded-For': `192.0.2.${index}` } })), 5);
    expect(replies.filter((reply) => reply.status === 401)).toHaveLength(6);
    expect(replies.filter((reply) => reply.status === 429)).toHaveLength(4);
  });

  it('throttles sign-ups per address: the sixth within the window is 429 with Retry-After and opens nothing', async () => {
    const statuses: number[] = [];
    let refused;
    for (let index = 0; index < 6; index += 1) {
      const reply = await h.request('POST', '/v1/accounts', { key: randomUUID(), body: { email: `${randomUUID()}@example.com`, password: 'correct horse battery' } });
      statuses.push(reply.status);
      if (reply.status === 429) refused = reply;
    }
    expect(statuses).toEqual([201, 201, 201, 201, 201, 429]);
    expect(refused?.body.error.code).toBe('SIGN_UP_THROTTLED');
    expect(Number(refused?.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
