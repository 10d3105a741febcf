import { Router, type Response } from 'express';
import * as E from 'fp-ts/Either';
import { signAccessToken } from '../../infrastructure/auth/jwt';
import type { EventStore } from '../../infrastructure/event-store/port';
import { correlationIdOf, idempotencyKeyOf } from '../../infrastructure/http/context';
import { sendError } from '../../infrastructure/http/errors';
import { decodeBody } from '../../infrastructure/http/validation';
import { idempotency } from '../../infrastructure/idempotency/middleware';
import type { IdempotencyStore } from '../../infrastructure/idempotency/store';
import type { Logger } from '../../infrastructure/logging';
import type { Metrics } from '../../infrastructure/metrics';
import { LogInBody, signUpBody } from './bodies';
import { logIn } from './log-in';
import { registerUser, type OpenAccount } from './register';

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
  const router = Router();
  const answer = (res: Response, status: number, outcome: E.Either<Parameters<typeof sendError>[1], { accountId: string; roles?: readonly string[] }>) => {
    if (E.isLeft(outcome)) { sendError(res, outcome.left); return; }
    const { accountId, roles } = outcome.right;
    res.status(status).json({ account_id: accountId, token: signAccessToken({ accountId, ...(roles && roles.length > 0 ? { roles } : {}) }, deps.jwtSecret) });
  };

  router.post(
    '/v1/accounts',
    idempotency({
      store: deps.idempotencyStore, scope: () => 'sign-up', logger: deps.logger, ...(deps.metrics ? { metrics: deps.metrics } : {}),
      // A replayed sign-up (same key, same email and password) gets a token valid from now, not the first one, long expired.
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
        store: deps.store, openAccount: deps.openAccount, nowMs: atMs,
        idempotencyKey: idempotencyKeyOf(res), correlationId: correlationIdOf(res),
      }));
    },
  );

  router.post('/v1/sessions', async (req, res) => {
    const body = decodeBody(LogInBody, req.body);
    if (E.isLeft(body)) { sendError(res, body.left); return; }
    answer(res, 200, await logIn(deps.store, body.right.email, body.right.password));
  });
  return router;
};
