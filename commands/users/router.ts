import { Router, type Response } from 'express';
import * as E from 'fp-ts/Either';
import { signAccessToken } from '../../infrastructure/auth/jwt';
import type { EventStore } from '../../infrastructure/event-store/port';
import { correlationIdOf, idempotencyKeyOf } from '../../infrastructure/http/context';
import { sendError } from '../../infrastructure/http/errors';
import { decodeBody } from '../../infrastructure/http/validation';
import { fingerprintKeyFrom } from '../../infrastructure/idempotency/fingerprint';
import { idempotency } from '../../infrastructure/idempotency/middleware';
import type { IdempotencyStore } from '../../infrastructure/idempotency/store';
import type { Logger } from '../../infrastructure/logging';
import type { Metrics } from '../../infrastructure/metrics';
import { LogInBody, signUpBody } from './bodies';
import { logIn } from './log-in';
import { registerUser, type OpenAccount } from './register';
import { createUsers } from './user-stream';

export type UsersRouterDeps = {
  readonly store: EventStore;
  readonly idempotencyStore: IdempotencyStore;
  readonly jwtSecret: string;
  /** Opens the trading account for a new user; must be idempotent (a retried sign-up calls it again). */
  readonly openAccount: OpenAccount;
  readonly logger: Logger;
  readonly metrics?: Metrics;
  readonly nowMs?: () => number;
};

/**
 * `POST /v1/accounts` (sign-up, idempotent, keys scoped to the route since there
 * is no account yet) and `POST /v1/sessions` (log-in; repeating it is harmless, so
 * no key is required).
 */
export const createUsersRouter = (deps: UsersRouterDeps): Router => {
  const nowMs = deps.nowMs ?? (() => Date.now());
  const users = createUsers(deps.store);
  const router = Router();
  const answer = (res: Response, status: number, outcome: E.Either<Parameters<typeof sendError>[1], { accountId: string }>) => {
    if (E.isLeft(outcome)) { sendError(res, outcome.left); return; }
    const { accountId } = outcome.right;
    // A token is a credential: no cache on the way (proxy, browser) may keep a copy.
    res.setHeader('Cache-Control', 'no-store');
    res.status(status).json({ account_id: accountId, token: signAccessToken({ accountId }, deps.jwtSecret) });
  };

  router.post(
    '/v1/accounts',
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
      answer(res, 201, await registerUser(body.right, {
        users, openAccount: deps.openAccount, nowMs: atMs,
        idempotencyKey: idempotencyKeyOf(res), correlationId: correlationIdOf(res),
      }));
    },
  );

  router.post('/v1/sessions', async (req, res) => {
    const body = decodeBody(LogInBody, req.body);
    if (E.isLeft(body)) { sendError(res, body.left); return; }
    answer(res, 200, await logIn(users, body.right.email, body.right.password));
  });
  return router;
};
