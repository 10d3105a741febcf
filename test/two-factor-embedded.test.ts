import { randomUUID } from 'node:crypto';
import { totpCodeAt, TOTP_PERIOD_S } from '../infrastructure/mfa/totp';
import { startEmbeddedMode, type RunMode } from './support/run-modes';

// Embedded mode: PGlite holds the used codes, the throttle is rate-limiter-flexible's in-memory one; the wall clock runs.
let mode: RunMode;
beforeAll(async () => { mode = await startEmbeddedMode(); });
afterAll(async () => { await mode.close(); });

const PASSWORD = 'correct horse battery';
const STEP_MS = TOTP_PERIOD_S * 1000;

it('enrols, then asks for a code at log-in and takes each code once, also after a restart', async () => {
  const email = `${randomUUID()}@example.com`;
  const signedUp = await mode.request('POST', '/v1/accounts', { key: randomUUID(), body: { email, password: PASSWORD } });
  const token = signedUp.body.token as string;
  const begun = await mode.request('POST', '/v1/account/2fa/enrolment', { token, body: { password: PASSWORD } });
  expect(begun.status).toBe(201);
  const secret = begun.body.secret as string;
  const startedMs = Date.now();
  expect((await mode.request('POST', '/v1/account/2fa/confirmation', { token, body: { mfa_code: totpCodeAt(secret, startedMs) } })).status).toBe(200);

  const logIn = (mfaCode?: string) => mode.request('POST', '/v1/sessions', { body: { email, password: PASSWORD, ...(mfaCode === undefined ? {} : { mfa_code: mfaCode }) } });
  expect((await logIn()).body.error.code).toBe('MFA_REQUIRED');
  // The next step's code: within the window of one step, and newer than the one that confirmed.
  const next = totpCodeAt(secret, startedMs + STEP_MS);
  expect((await logIn(next)).status).toBe(200);
  await mode.loseIdempotencyRecords(); // a fresh process on the same PGlite
  const replayed = await logIn(next);
  expect(replayed.status).toBe(401);
  expect(replayed.body.error.code).toBe('MFA_CODE_REUSED');
});
