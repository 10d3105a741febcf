import { Router, type Request, type Response } from 'express';
import * as E from 'fp-ts/Either';
import { requireBearer } from '../../infrastructure/auth/bearer';
import { signAccessToken } from '../../infrastructure/auth/jwt';
import { createThrottle, type Throttle } from '../../infrastructure/auth/throttle';
import type { EventStore } from '../../infrastructure/event-store/port';
import { accountIdOf, correlationIdOf, idempotencyKeyOf, loggerOf } from '../../infrastructure/http/context';
import { apiError, sendError, sendNotFound } from '../../infrastructure/http/errors';
import { decodeBody } from '../../infrastructure/http/validation';
import { fingerprintKeyFrom } from '../../infrastructure/idempotency/fingerprint';
import { idempotency } from '../../infrastructure/idempotency/middleware';
import type { IdempotencyStore } from '../../infrastructure/idempotency/store';
import type { Logger } from '../../infrastructure/logging';
import type { Metrics } from '../../infrastructure/metrics';
import '../error-statuses';
import { LogInBody, signUpBody } from './bodies';
import { logIn } from './log-in';
import { registerUser, type OpenAccount } from './register';
import { createSecurityLog, type Origin } from './security-log';
import { createUsers } from './user-stream';

export type UsersRouterDeps = {
  readonly store: EventStore;
  readonly idempotencyStore: IdempotencyStore;
  readonly jwtSecret: string;
  /** Opens the trading account for a new user; must be idempotent (a retried sign-up calls it again). */
  readonly openAccount: OpenAccount;
  /** The email an account was opened with, for the routes of the signed-in user. */
  readonly emailOfAccount?: (accountId: string) => Promise<string | undefined>;
  /** Login and sign-up throttles; in-memory ones with the default limits when not given. */
  readonly throttle?: Throttle;
  readonly logger: Logger;
  readonly metrics?: Metrics;
  readonly nowMs?: () => number;
};

export const originOf = (req: Request, res: Response): Origin => ({
  ip: req.ip ?? 'unknown', userAgent: req.get('user-agent') ?? '', correlationId: correlationIdOf(res),
});

const refuseThrottled = (res: Response, code: 'LOGIN_THROTTLED' | 'SIGN_UP_THROTTLED', retryAfterS: number): void => {
  res.setHeader('Retry-After', String(retryAfterS));
  sendError(res, apiError(code, code === 'LOGIN_THROTTLED' ? `too many failed logins; try again in ${retryAfterS} s` : `too many sign-ups from this address; try again in ${retryAfterS} s`));
};

/**
 * `POST /v1/accounts` (sign-up, idempotent, keys scoped to the route since there is no account yet,
 * throttled per client IP), `POST /v1/sessions` (log-in, throttled per email and per IP), and
 * `GET /v1/account/security-events` (the signed-in user's own log-ins, failures, locks).
 */
export const createUsersRouter = (deps: UsersRouterDeps): Router => {
  const nowMs = deps.nowMs ?? (() => Date.now());
  const users = createUsers(deps.store);
  const securityLog = createSecurityLog(deps.store);
  const throttle = deps.throttle ?? createThrottle();
  const router = Router();
  const answer = (res: Response, status: number, accountId: string) => {
    // A token is a credential: no cache on the way (proxy, browser) may keep a copy.
    res.setHeader('Cache-Control', 'no-store');
    res.status(status).json({ account_id: accountId, token: signAccessToken({ accountId }, deps.jwtSecret) });
  };

  router.post(
    '/v1/accounts',
    // Before the idempotency record: a 429 must not become the key's stored answer.
    async (req, res, next) => {
      const ticket = await throttle.beginSignUp(req.ip ?? 'unknown');
      if (ticket.refused) { refuseThrottled(res, 'SIGN_UP_THROTTLED', ticket.refused.retryAfterS); return; }
      next();
    },
    idempotency({
      store: deps.idempotencyStore, scope: () => 'sign-up', logger: deps.logger, fingerprintKey: fingerprintKeyFrom(deps.jwtSecret),
      ...(deps.metrics ? { metrics: deps.metrics } : {}),
      // The token never rests in the idempotency store: only which account it was for. A replay's fingerprint
      // is an HMAC over the same email and password, so it is verified; it gets a token valid from now.
      storedForReplay: (response) => {
        if (response.status !== 201) return response;
        const { account_id: accountId } = JSON.parse(response.body) as { account_id: string };
        return { ...response, body: JSON.stringify({ account_id: accountId }) };
      },
      refreshReplay: (stored) => {
        if (stored.status !== 201) return stored;
        const { account_id: accountId } = JSON.parse(stored.body) as { account_id: string };
        return { ...stored, body: JSON.stringify({ account_id: accountId, token: signAccessToken({ accountId }, deps.jwtSecret) }) };
      },
    }),
    async (req, res) => {
      const atMs = nowMs();
      const body = decodeBody(signUpBody(new Date(atMs).toISOString().slice(0, 10)), req.body);
      if (E.isLeft(body)) { sendError(res, body.left); return; }
      const registered = await registerUser(body.right, {
        users, openAccount: deps.openAccount, nowMs: atMs, idempotencyKey: idempotencyKeyOf(res), correlationId: correlationIdOf(res),
      });
      if (E.isLeft(registered)) { sendError(res, registered.left); return; }
      answer(res, 201, registered.right.accountId);
    },
  );

  router.post('/v1/sessions', async (req, res) => {
    const body = decodeBody(LogInBody, req.body);
    if (E.isLeft(body)) { sendError(res, body.left); return; }
    const { email, password } = body.right;
    const origin = originOf(req, res);
    const ticket = await throttle.beginLogin(email, origin.ip);
    if (ticket.refused) { refuseThrottled(res, 'LOGIN_THROTTLED', ticket.refused.retryAfterS); return; }
    const outcome = await logIn(users, email, password);
    const atMs = nowMs();
    if (E.isLeft(outcome)) {
      const { lockedNow } = await throttle.loginFailed(email, origin.ip);
      // Recorded for unknown emails too: the same work either way, so timing does not tell who is a customer.
      await securityLog.record(email, 'LoginFailed', origin, atMs, { reason: 'wrong email or password' });
      if (lockedNow) {
        await securityLog.record(email, 'LoginLocked', origin, atMs);
        loggerOf(res).warn({ ip: origin.ip }, 'login locked after repeated failures');
      }
      sendError(res, outcome.left);
      return;
    }
    await throttle.loginSucceeded(email, origin.ip);
    await securityLog.record(email, 'LoginSucceeded', origin, atMs);
    answer(res, 200, outcome.right.accountId);
  });

  router.get('/v1/account/security-events', requireBearer(deps.jwtSecret), async (_req, res) => {
    const email = deps.emailOfAccount ? await deps.emailOfAccount(accountIdOf(res)) : undefined;
    if (email === undefined) { sendNotFound(res, apiError('ACCOUNT_NOT_FOUND', 'no account for this token')); return; }
    const events = await securityLog.recent(email);
    res.setHeader('Cache-Control', 'no-store');
    res.json({
      events: events.map(({ type, data }) => ({
        type, at: new Date(data.atMs).toISOString(), ip: data.ip, user_agent: data.userAgent,
        ...(data.reason === undefined ? {} : { reason: data.reason }),
      })),
    });
  });
  return router;
};
