import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { grantRole } from '../commands/users/roles';
import { startTradingHarness, TRADING_JWT_SECRET, type TradingHarness } from './support/trading-harness';

let h: TradingHarness;
beforeAll(async () => { h = await startTradingHarness('sessions'); });
afterAll(async () => { await h.close(); });

const PASSWORD = 'correct horse battery';
const newUser = async () => {
  const email = `${randomUUID()}@example.com`;
  const signedUp = await h.request('POST', '/v1/accounts', { key: randomUUID(), body: { email, password: PASSWORD } });
  return { email, accountId: signedUp.body.account_id as string, signUpToken: signedUp.body.token as string };
};
const logIn = (email: string, password = PASSWORD) => h.request('POST', '/v1/sessions', { body: { email, password } });
const refresh = (refreshToken: string) => h.request('POST', '/v1/sessions/refresh', { body: { refresh_token: refreshToken } });
const works = async (token: string) => (await h.request('GET', `/v1/orders/${randomUUID()}`, { token })).status === 404;
const refusedAs = async (token: string) => (await h.request('GET', `/v1/orders/${randomUUID()}`, { token })).body.error?.code;

describe('access tokens', () => {
  it('refuses a token signed with our key but for a hundred years, or without an issue time', async () => {
    const { accountId } = await newUser();
    const century = jwt.sign({}, TRADING_JWT_SECRET, { algorithm: 'HS256', subject: accountId, issuer: 'brokerage', expiresIn: '36500d' });
    expect(await refusedAs(century)).toBe('UNAUTHENTICATED');
    const timeless = jwt.sign({ exp: Math.floor(Date.now() / 1000) + 600 }, TRADING_JWT_SECRET, { algorithm: 'HS256', subject: accountId, issuer: 'brokerage', noTimestamp: true });
    expect(await refusedAs(timeless)).toBe('UNAUTHENTICATED');
  });
});

describe('refresh tokens', () => {
  it('are opaque, rotate on every use, and are never cached', async () => {
    const { email } = await newUser();
    const session = await logIn(email);
    expect(session.status).toBe(200);
    expect(session.headers.get('cache-control')).toBe('no-store');
    expect(session.body.refresh_token).toMatch(/^[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}$/);
    const next = await refresh(session.body.refresh_token);
    expect(next.status).toBe(200);
    expect(next.headers.get('cache-control')).toBe('no-store');
    expect(next.body.refresh_token).not.toBe(session.body.refresh_token);
    expect(await works(next.body.token)).toBe(true);
    const third = await refresh(next.body.refresh_token);
    expect(third.status).toBe(200);
  });

  it('revoke their whole family when a stolen, already-rotated one is used', async () => {
    const { email } = await newUser();
    const session = await logIn(email);
    const stolen = session.body.refresh_token as string;
    const owner = await refresh(stolen);
    expect(owner.status).toBe(200);

    const thief = await refresh(stolen);
    expect(thief.status).toBe(401);
    expect(thief.body.error.code).toBe('REFRESH_TOKEN_REUSED');
    // The family is gone for the owner too, and so are its access tokens, at once.
    const ownerNext = await refresh(owner.body.refresh_token);
    expect(ownerNext.status).toBe(401);
    expect(ownerNext.body.error.code).toBe('INVALID_REFRESH_TOKEN');
    expect(await refusedAs(owner.body.token)).toBe('TOKEN_REVOKED');
    expect(await refusedAs(session.body.token)).toBe('TOKEN_REVOKED');

    const again = await logIn(email);
    expect(await works(again.body.token)).toBe(true);
    const log = await h.request('GET', '/v1/account/security-events', { token: again.body.token });
    expect(log.body.events.map((event: { type: string }) => event.type)).toContain('RefreshTokenReused');
  });

  it('refuses a made-up or malformed refresh token the same way', async () => {
    expect((await refresh(`${randomUUID()}.${'A'.repeat(43)}`)).body.error.code).toBe('INVALID_REFRESH_TOKEN');
    expect((await refresh('not a token')).body.error.code).toBe('INVALID_REFRESH_TOKEN');
  });
});

describe('ending sessions', () => {
  it('logs out: the access token is refused at once and the refresh token is dead', async () => {
    const { email } = await newUser();
    const session = await logIn(email);
    const other = await logIn(email);
    const out = await h.request('DELETE', '/v1/sessions/current', { token: session.body.token });
    expect(out.status).toBe(204);
    expect(await refusedAs(session.body.token)).toBe('TOKEN_REVOKED');
    expect((await refresh(session.body.refresh_token)).status).toBe(401);
    expect(await works(other.body.token)).toBe(true);
  });

  it('changes the password only with the current one, and then ends every session', async () => {
    const { email, signUpToken } = await newUser();
    const phone = await logIn(email);
    const laptop = await logIn(email);
    const guess = (currentPassword: string) => h.request('POST', '/v1/account/password', { token: phone.body.token, body: { current_password: currentPassword, new_password: 'a brand new passphrase' } });
    const wrong = await guess('not it at all');
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toMatchObject({ code: 'INVALID_CREDENTIALS', field: 'current_password' });
    expect(await works(phone.body.token)).toBe(true);

    const change = () => guess(PASSWORD);
    // A wrong current password is a failed login: the next try waits 2^(failures-1) s. Two failures make that
    // wait 2 s, so the try right after is refused even when this box stalls for a second (one failure's 1 s did not).
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect((await guess('not it either')).status).toBe(401);
    const tooSoon = await change();
    expect(tooSoon.status).toBe(429);
    expect(tooSoon.body.error.code).toBe('LOGIN_THROTTLED');
    await new Promise((resolve) => setTimeout(resolve, Number(tooSoon.headers.get('retry-after')) * 1000 + 100));
    const changed = await change();
    expect(changed.status).toBe(204);
    for (const token of [signUpToken, phone.body.token, laptop.body.token]) expect(await refusedAs(token)).toBe('TOKEN_REVOKED');
    for (const old of [phone.body.refresh_token, laptop.body.refresh_token]) expect((await refresh(old)).status).toBe(401);
    const fresh = await logIn(email, 'a brand new passphrase');
    expect(fresh.status).toBe(200);
    expect((await logIn(email)).status).toBe(401);
    expect(await works(fresh.body.token)).toBe(true);
    const log = await h.request('GET', '/v1/account/security-events', { token: fresh.body.token });
    expect(log.body.events.map((event: { type: string }) => event.type)).toEqual(expect.arrayContaining(['PasswordChanged', 'SessionRevoked', 'LoginFailed']));
  });
});

describe('roles across refreshes', () => {
  const rolesIn = (token: string): unknown => (jwt.decode(token) as Record<string, unknown>).roles;
  const canReplay = async (token: string, accountId: string) => (await h.request('GET', `/v1/compliance/accounts/${accountId}/replay`, { token })).status;

  it("keeps a compliance officer's role in every refreshed token, read from the user's stream", async () => {
    const { email, accountId } = await newUser();
    expect(await grantRole(h.store, email, 'compliance', 'ops:test', Date.now())).toBe('granted');
    const session = await logIn(email);
    expect(rolesIn(session.body.token)).toEqual(['compliance']);
    const first = await refresh(session.body.refresh_token);
    const second = await refresh(first.body.refresh_token);
    for (const refreshed of [first, second]) {
      expect(refreshed.status).toBe(200);
      expect(rolesIn(refreshed.body.token)).toEqual(['compliance']);
    }
    expect(await canReplay(second.body.token, accountId)).toBe(200);
  });

  it('shows a role granted after the log-in from the next refresh on, and a client gets none', async () => {
    const { email, accountId } = await newUser();
    const session = await logIn(email);
    expect(rolesIn(session.body.token)).toBeUndefined();
    const before = await refresh(session.body.refresh_token);
    expect(rolesIn(before.body.token)).toBeUndefined();
    expect(await canReplay(before.body.token, accountId)).toBe(403);

    await grantRole(h.store, email, 'compliance', 'ops:test', Date.now());
    const after = await refresh(before.body.refresh_token);
    expect(rolesIn(after.body.token)).toEqual(['compliance']);
    expect(await canReplay(after.body.token, accountId)).toBe(200);
  });
});
