import { createHash, randomUUID } from 'node:crypto';
import { verifyAccessToken } from '../infrastructure/auth/jwt';
import { startTradingHarness, TRADING_JWT_SECRET, type TradingHarness } from './support/trading-harness';

let h: TradingHarness;
beforeAll(async () => { h = await startTradingHarness('secrets_at_rest'); });
afterAll(async () => { await h.close(); });

const storedRecords = async () => {
  const keys = await h.redis.keys(`${h.prefix}*`);
  return Promise.all(keys.map(async (key) => (await h.redis.get(key)) ?? ''));
};

describe('secrets at rest and in transit', () => {
  it('keeps neither the token, nor the password, nor a plain hash of the sign-up body in Redis', async () => {
    const body = { email: `${randomUUID()}@example.com`, password: 'correct horse battery' };
    const key = randomUUID();
    const signedUp = await h.request('POST', '/v1/accounts', { key, body });
    expect(signedUp.status).toBe(201);
    const records = (await storedRecords()).filter((record) => record.includes(signedUp.body.account_id));
    expect(records).toHaveLength(1);
    const record = records[0]!;
    expect(record).not.toContain(signedUp.body.token);
    expect(record).not.toMatch(/eyJ[A-Za-z0-9_-]+\./);
    expect(record).not.toContain(body.password);
    // Today's fingerprint was SHA-256 of method, path and the sorted body: guessable offline from a password list.
    const plain = createHash('sha256').update(`POST\n/v1/accounts\n{"email":${JSON.stringify(body.email)},"password":${JSON.stringify(body.password)}}`).digest('hex');
    expect(record).not.toContain(plain);
  });

  it('answers a verified replay with a fresh token for the same account, and marks every token response no-store', async () => {
    const body = { email: `${randomUUID()}@example.com`, password: 'correct horse battery' };
    const key = randomUUID();
    const first = await h.request('POST', '/v1/accounts', { key, body });
    expect(first.headers.get('cache-control')).toBe('no-store');
    const replay = await h.request('POST', '/v1/accounts', { key, body });
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.headers.get('cache-control')).toBe('no-store');
    expect(verifyAccessToken(replay.body.token, TRADING_JWT_SECRET)).toMatchObject({ accountId: first.body.account_id });
    const wrongPassword = await h.request('POST', '/v1/accounts', { key, body: { ...body, password: 'another password' } });
    expect(wrongPassword.status).toBe(422);
    expect(wrongPassword.body.token).toBeUndefined();
    const logIn = await h.request('POST', '/v1/sessions', { body });
    expect(logIn.status).toBe(200);
    expect(logIn.headers.get('cache-control')).toBe('no-store');
  });

  it('does not serve /metrics on the public API port', async () => {
    expect((await h.request('GET', '/metrics')).status).toBe(404);
  });
});
