import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import * as E from 'fp-ts/Either';
import { requireBearer } from '../../infrastructure/auth/bearer';
import { signAccessToken } from '../../infrastructure/auth/jwt';
import { createThrottle, type Throttle } from '../../infrastructure/auth/throttle';
import type { EventStore } from '../../infrastructure/event-store/port';
import { accountIdOf, correlationIdOf, idempotencyKeyOf } from '../../infrastructure/http/context';
import { apiError, sendError, sendNotFound } from '../../infrastructure/http/errors';
import { decodeBody } from '../../infrastructure/http/validation';
import { fingerprintKeyFrom } from '../../infrastructure/idempotency/fingerprint';
import { idempotency } from '../../infrastructure/idempotency/middleware';
import type { IdempotencyStore } from '../../infrastructure/idempotency/store';
import type { Logger } from '../../infrastructure/logging';
import type { Metrics } from '../../infrastructure/metrics';
import { createInMemorySessionStore } from '../../infrastructure/sessions/in-memory-store';
import type { SessionStore } from '../../infrastructure/sessions/store';
import type { RevocationNotifier } from '../../infrastructure/sessions/revocation-notice';
import { mfaKeysFrom } from '../../infrastructure/mfa/secret-box';
import { signUpBody } from './bodies';
import { registerUser, type OpenAccount } from './register';
import { refuseThrottled } from './origin';
import { createSecurityLog } from './security-log';
import { addSessionRoutes } from './session-routes';
import { createSessions } from './sessions';
import { createTwoFactor } from './two-factor';
import { addTwoFactorRoutes } from './two-factor-routes';
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
  /** Refresh-token families and revocations; in-memory when not given (embedded mode, unit tests). */
  readonly sessionStore?: SessionStore;
  /** Told of every revoked session (the streaming nodes close its sockets). */
  readonly onRevoked?: RevocationNotifier;
  /** Master key of the TOTP secrets' sealing and the recovery codes' HMAC (MFA_KEY); the JWT secret's when absent. */
  readonly mfaKey?: string;
  readonly logger: Logger;
  readonly metrics?: Metrics;
  readonly nowMs?: () => number;
};

/**
 * `POST /v1/accounts` (sign-up, idempotent, keys scoped to the route since there is no account yet,
 * throttled per client IP), the session routes (session-routes.ts), and `GET /v1/account/security-events`
 * (the signed-in user's own log-ins, failures, locks, password and session changes).
 */
export const createUsersRouter = (deps: UsersRouterDeps): Router => {
  const nowMs = deps.nowMs ?? (() => Date.now());
  const users = createUsers(deps.store);
  const securityLog = createSecurityLog(deps.store);
  const throttle = deps.throttle ?? createThrottle();
  const sessionStore = deps.sessionStore ?? createInMemorySessionStore();
  const emailOfAccount = deps.emailOfAccount ?? (async () => undefined);
  const rolesOf = async (accountId: string): Promise<readonly string[]> => {
    const email = await emailOfAccount(accountId);
    const user = email === undefined ? undefined : await users.load(email);
    return user?.status === 'registered' ? user.roles : [];
  };
  const sessions = createSessions(sessionStore, deps.jwtSecret, { rolesOf, ...(deps.onRevoked ? { onRevoked: deps.onRevoked } : {}) });
  const auth = requireBearer(deps.jwtSecret, sessionStore);
  const twoFactor = createTwoFactor({ users, keys: mfaKeysFrom(deps.mfaKey ?? deps.jwtSecret), throttle, securityLog });
  const router = Router();
  // A sign-up's token names a session of its own, so logging out refuses it at once (no refresh token: log in for one).
  const signUpToken = (accountId: string) => signAccessToken({ accountId, sessionId: randomUUID() }, deps.jwtSecret);

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
        return { ...stored, body: JSON.stringify({ account_id: accountId, token: signUpToken(accountId) }) };
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
      const { accountId } = registered.right;
      res.setHeader('Cache-Control', 'no-store');
      res.status(201).json({ account_id: accountId, token: signUpToken(accountId) });
    },
  );

  addSessionRoutes(router, { users, sessions, securityLog, throttle, twoFactor, auth, emailOfAccount, nowMs });
  addTwoFactorRoutes(router, { users, twoFactor, throttle, securityLog, auth, emailOfAccount, nowMs });

  router.get('/v1/account/security-events', auth, async (_req, res) => {
    const email = await emailOfAccount(accountIdOf(res));
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
