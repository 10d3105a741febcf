import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { userStreamId } from '../commands/users/events';
import { collect } from '../infrastructure/event-store/port';
import { totpCodeAt, TOTP_PERIOD_S } from '../infrastructure/mfa/totp';
import { startTradingHarness, type TradingHarness } from './support/trading-harness';

// The real PostgreSQL event store (where used codes are recorded) and Redis (the throttle, sessions).
let h: TradingHarness;
beforeAll(async () => { h = await startTradingHarness('two-factor'); });
afterAll(async () => { await h.close(); });

const PASSWORD = 'correct horse battery';
const STEP_MS = TOTP_PERIOD_S * 1000;
/** The login throttle makes the try after a failure wait 1 s (then 2 s, 4 s...): a test that fails once on purpose waits it out. */
const FIRST_FAILURE_DELAY_MS = 1_100;

const logIn = (email: string, mfaCode?: string) =>
  h.request('POST', '/v1/sessions', { body: { email, password: PASSWORD, ...(mfaCode === undefined ? {} : { mfa_code: mfaCode }) } });

/** Plays the authenticator app: the clock moves to the next time step and the app shows its code. */
const nextCode = (secret: string): string => {
  h.clock.nowMs += STEP_MS;
  return totpCodeAt(secret, h.clock.nowMs);
};

const newUser = async () => {
  const email = `${randomUUID()}@example.com`;
  const signedUp = await h.request('POST', '/v1/accounts', { key: randomUUID(), body: { email, password: PASSWORD } });
  expect(signedUp.status).toBe(201);
  return { email, accountId: signedUp.body.account_id as string, token: signedUp.body.token as string };
};

/** A user with 2FA on: the secret their app holds and the recovery codes they were shown. */
const enrolledUser = async () => {
  const user = await newUser();
  const begun = await h.request('POST', '/v1/account/2fa/enrolment', { token: user.token, body: { password: PASSWORD } });
  expect(begun.status).toBe(201);
  const secret = begun.body.secret as string;
  const confirmed = await h.request('POST', '/v1/account/2fa/confirmation', { token: user.token, body: { mfa_code: nextCode(secret) } });
  expect(confirmed.status).toBe(200);
  return { ...user, secret, recoveryCodes: confirmed.body.recovery_codes as string[] };
};

const securityEventTypes = async (token: string): Promise<string[]> =>
  (await h.request('GET', '/v1/account/security-events', { token })).body.events.map((event: { type: string }) => event.type);

describe('enrolment', () => {
  it('hands out the secret once, takes effect only when a first code confirms it, and shows the recovery codes once', async () => {
    const user = await newUser();
    const begun = await h.request('POST', '/v1/account/2fa/enrolment', { token: user.token, body: { password: PASSWORD } });
    expect(begun.status).toBe(201);
    expect(begun.headers.get('cache-control')).toBe('no-store');
    expect(begun.body.otpauth_uri).toMatch(/^otpauth:\/\/totp\/Brokerage:.+\?.*secret=[A-Z2-7]+/);
    expect(begun.body.otpauth_uri).toContain(`secret=${begun.body.secret as string}`);

    // Not confirmed yet: logging in needs no code.
    expect((await logIn(user.email)).status).toBe(200);

    const confirmed = await h.request('POST', '/v1/account/2fa/confirmation', { token: user.token, body: { mfa_code: nextCode(begun.body.secret) } });
    expect(confirmed.status).toBe(200);
    expect(confirmed.headers.get('cache-control')).toBe('no-store');
    expect(confirmed.body.recovery_codes).toHaveLength(10);
    for (const code of confirmed.body.recovery_codes) expect(code).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    expect(new Set(confirmed.body.recovery_codes).size).toBe(10);

    const again = await h.request('POST', '/v1/account/2fa/confirmation', { token: user.token, body: { mfa_code: nextCode(begun.body.secret) } });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('MFA_ALREADY_ENABLED');
    const restart = await h.request('POST', '/v1/account/2fa/enrolment', { token: user.token, body: { password: PASSWORD } });
    expect(restart.status).toBe(409);
    expect(restart.body.error.code).toBe('MFA_ALREADY_ENABLED');

    expect(await securityEventTypes(user.token)).toEqual(expect.arrayContaining(['TwoFactorEnrolmentStarted', 'TwoFactorEnabled']));
  });

  it('keeps neither the secret nor the recovery codes in the clear in the event store', async () => {
    const user = await enrolledUser();
    const events = await collect(h.store.readStream(userStreamId(user.email)));
    const stored = JSON.stringify(events.map(({ type, data }) => ({ type, data })));
    expect(stored).toContain('TotpEnabled');
    expect(stored).not.toContain(user.secret);
    for (const code of user.recoveryCodes) {
      expect(stored).not.toContain(code);
      expect(stored).not.toContain(code.replace(/-/g, ''));
    }
  });

  it('refuses a confirmation without an enrolment, and a wrong first code, and needs the password to start', async () => {
    const user = await newUser();
    const none = await h.request('POST', '/v1/account/2fa/confirmation', { token: user.token, body: { mfa_code: '123456' } });
    expect(none.status).toBe(409);
    expect(none.body.error.code).toBe('MFA_NOT_ENROLLING');

    const noPassword = await h.request('POST', '/v1/account/2fa/enrolment', { token: user.token, body: {} });
    expect(noPassword.status).toBe(400);
    expect(noPassword.body.error.field).toBe('password');
    const wrongPassword = await h.request('POST', '/v1/account/2fa/enrolment', { token: user.token, body: { password: 'not the password' } });
    expect(wrongPassword.status).toBe(401);
    expect(wrongPassword.body.error.code).toBe('INVALID_CREDENTIALS');
    await sleep(FIRST_FAILURE_DELAY_MS);

    const begun = await h.request('POST', '/v1/account/2fa/enrolment', { token: user.token, body: { password: PASSWORD } });
    expect(begun.status).toBe(201);
    const secret = begun.body.secret as string;
    const wrong = await h.request('POST', '/v1/account/2fa/confirmation', { token: user.token, body: { mfa_code: totpCodeAt(secret, h.clock.nowMs + 10 * STEP_MS) } });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('MFA_INVALID');
    // Still not on: a log-in needs no code.
    await sleep(FIRST_FAILURE_DELAY_MS);
    expect((await logIn(user.email)).status).toBe(200);
  });
});

describe('log-in with two-factor on', () => {
  it('asks for the code, accepts a right one once, and refuses it the second time', async () => {
    const user = await enrolledUser();
    const missing = await logIn(user.email);
    expect(missing.status).toBe(401);
    expect(missing.body.error.code).toBe('MFA_REQUIRED');
    expect(missing.body.token).toBeUndefined();

    const code = nextCode(user.secret);
    const first = await logIn(user.email, code);
    expect(first.status).toBe(200);
    expect(first.body.token).toEqual(expect.any(String));
    expect(first.body.refresh_token).toEqual(expect.any(String));

    const replayed = await logIn(user.email, code);
    expect(replayed.status).toBe(401);
    expect(replayed.body.error.code).toBe('MFA_CODE_REUSED');
    expect(replayed.body.token).toBeUndefined();
    expect(await securityEventTypes(first.body.token)).toContain('TwoFactorCodeRefused');
  });

  it('refuses a wrong code, and a wrong password before any code is looked at', async () => {
    const user = await enrolledUser();
    const wrong = await logIn(user.email, totpCodeAt(user.secret, h.clock.nowMs + 10 * STEP_MS));
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('MFA_INVALID');
    await sleep(FIRST_FAILURE_DELAY_MS);
    const badPassword = await h.request('POST', '/v1/sessions', { body: { email: user.email, password: 'not the password', mfa_code: nextCode(user.secret) } });
    expect(badPassword.status).toBe(401);
    expect(badPassword.body.error.code).toBe('INVALID_CREDENTIALS');
  });

  it('lets one of many simultaneous log-ins with one code through, never two', async () => {
    const user = await enrolledUser();
    const code = nextCode(user.secret);
    const replies = await Promise.all(Array.from({ length: 4 }, () => logIn(user.email, code)));
    expect(replies.filter((reply) => reply.status === 200)).toHaveLength(1);
    for (const reply of replies.filter((r) => r.status !== 200)) expect(['MFA_CODE_REUSED', 'LOGIN_THROTTLED']).toContain(reply.body.error.code);
  });

  it('accepts each recovery code once', async () => {
    const user = await enrolledUser();
    const [recovery] = user.recoveryCodes;
    const first = await logIn(user.email, recovery!.toLowerCase());
    expect(first.status).toBe(200);
    const again = await logIn(user.email, recovery);
    expect(again.status).toBe(401);
    expect(again.body.error.code).toBe('MFA_CODE_REUSED');
    await sleep(FIRST_FAILURE_DELAY_MS);
    const made = await logIn(user.email, 'ABCD-EFGH-JKMN-PQRS');
    expect(made.status).toBe(401);
    expect(made.body.error.code).toBe('MFA_INVALID');
    await sleep(2 * FIRST_FAILURE_DELAY_MS);
    expect((await logIn(user.email, user.recoveryCodes[1])).status).toBe(200);
    expect(await securityEventTypes(first.body.token)).toContain('RecoveryCodeUsed');
  });

  it('throttles guessing: of many wrong codes at most the configured five get an answer other than 429, and then the right one waits too', async () => {
    const user = await enrolledUser();
    const statuses: number[] = [];
    let lastFailureAnsweredMs = 0;
    for (let guess = 0; guess < 20; guess += 1) {
      const reply = await logIn(user.email, String(100_000 + guess));
      statuses.push(reply.status);
      if (reply.status === 429) {
        expect(reply.body.error.code).toBe('LOGIN_THROTTLED');
        expect(Number(reply.headers.get('retry-after'))).toBeGreaterThan(0);
      } else {
        lastFailureAnsweredMs = Date.now();
      }
    }
    const failures = statuses.filter((status) => status !== 429).length;
    expect(failures).toBeLessThanOrEqual(5);
    expect(statuses).toContain(429);
    if (failures < 5) {
      // Not locked: the right code goes in at once after one more failure, whose wait is 2 s or more. On a slow box
      // the guesses above can end just as a wait runs out, and the right code would then be let through.
      await sleep(lastFailureAnsweredMs + 2 ** (failures - 1) * 1000 + 100 - Date.now());
      expect((await logIn(user.email, String(100_000 + 20))).status).toBe(401);
    }
    expect((await logIn(user.email, nextCode(user.secret))).status).toBe(429);
    expect(await securityEventTypes(user.token)).toContain('TwoFactorCodeRefused');
  });
});

describe('withdrawals above the threshold ($1,000 here)', () => {
  const withdraw = (token: string, amount: string, key: string, mfaCode?: string) =>
    h.request('POST', '/v1/transfers', { token, key, body: { direction: 'withdrawal', amount }, ...(mfaCode === undefined ? {} : { headers: { 'X-MFA-Code': mfaCode } }) });

  const fundedEnrolled = async () => {
    const user = await enrolledUser();
    const deposit = await h.request('POST', '/v1/transfers', { token: user.token, key: randomUUID(), body: { direction: 'deposit', amount: '5000.00' } });
    expect(deposit.status).toBe(201);
    await h.system(user.accountId, { type: 'SettleDeposit', data: { transferId: deposit.body.transfer_id, atMs: h.clock.nowMs } });
    return user;
  };

  it('need no code up to the threshold, and one code (used once) above it', async () => {
    const user = await fundedEnrolled();
    expect((await withdraw(user.token, '500.00', randomUUID())).status).toBe(201);
    expect((await withdraw(user.token, '1000.00', randomUUID())).status).toBe(201);

    const key = randomUUID();
    const missing = await withdraw(user.token, '1500.00', key);
    expect(missing.status).toBe(401);
    expect(missing.body.error.code).toBe('MFA_REQUIRED');
    // The refusal was not kept as the key's answer: the same request with a code goes through.
    const code = nextCode(user.secret);
    const withCode = await withdraw(user.token, '1500.00', key, code);
    expect(withCode.status).toBe(201);
    expect(withCode.body).toMatchObject({ direction: 'withdrawal', amount: '1500.00', status: 'completed' });
    // A retry of the booked withdrawal is answered as before; nothing moves twice.
    const retried = await withdraw(user.token, '1500.00', key, code);
    expect(retried.status).toBe(201);
    expect(retried.body.transfer_id).toBe(withCode.body.transfer_id);

    const reused = await withdraw(user.token, '1500.00', randomUUID(), code);
    expect(reused.status).toBe(401);
    expect(reused.body.error.code).toBe('MFA_CODE_REUSED');
    await sleep(FIRST_FAILURE_DELAY_MS);
    const wrong = await withdraw(user.token, '1200.00', randomUUID(), '000000');
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('MFA_INVALID');
    // Settled 5,000 − 500 − 1,000 − 1,500: the refused ones took nothing.
    await sleep(2 * FIRST_FAILURE_DELAY_MS);
    expect((await withdraw(user.token, '2000.00', randomUUID(), nextCode(user.secret))).status).toBe(201);
    expect((await withdraw(user.token, '0.01', randomUUID())).body.error.code).toBe('INSUFFICIENT_WITHDRAWABLE_CASH');
  });

  it('need no code from a user without two-factor', async () => {
    const user = await h.fundedAccount('3000.00');
    expect((await withdraw(user.token, '2500.00', randomUUID())).status).toBe(201);
  });
});

describe('disabling two-factor', () => {
  it('needs a right, unused code; after it log-ins need none', async () => {
    const user = await enrolledUser();
    const noCode = await h.request('POST', '/v1/account/2fa/disable', { token: user.token, body: {} });
    expect(noCode.status).toBe(400);
    expect(noCode.body.error.field).toBe('mfa_code');
    const wrong = await h.request('POST', '/v1/account/2fa/disable', { token: user.token, body: { mfa_code: '000000' } });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('MFA_INVALID');
    expect((await logIn(user.email)).status).not.toBe(200);

    await sleep(2 * FIRST_FAILURE_DELAY_MS);
    const disabled = await h.request('POST', '/v1/account/2fa/disable', { token: user.token, body: { mfa_code: nextCode(user.secret) } });
    expect(disabled.status).toBe(204);
    expect((await logIn(user.email)).status).toBe(200);
    const again = await h.request('POST', '/v1/account/2fa/disable', { token: user.token, body: { mfa_code: nextCode(user.secret) } });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('MFA_NOT_ENABLED');
    expect(await securityEventTypes(user.token)).toEqual(expect.arrayContaining(['TwoFactorDisabled', 'TwoFactorCodeRefused']));
  });
});
