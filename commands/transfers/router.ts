import { Router, type Request, type Response } from 'express';
import * as E from 'fp-ts/Either';
import { DomainErrorCode, type AccountState } from '../../domain/account';
import { big } from '../../domain/money';
import { requireBearer } from '../../infrastructure/auth/bearer';
import type { EventStore } from '../../infrastructure/event-store/port';
import { accountIdOf, correlationIdOf, idempotencyKeyOf } from '../../infrastructure/http/context';
import { sendError } from '../../infrastructure/http/errors';
import { decodeBody } from '../../infrastructure/http/validation';
import type { RequestHandler } from 'express';
import { TransferBody } from './transfer-body';
import { accountIdempotency } from '../../infrastructure/idempotency/account-scoped';
import { fingerprintKeyFrom } from '../../infrastructure/idempotency/fingerprint';
import { idFromIdempotencyKey } from '../../infrastructure/idempotency/derived-id';
import type { IdempotencyStore } from '../../infrastructure/idempotency/store';
import type { Logger } from '../../infrastructure/logging';
import type { Metrics } from '../../infrastructure/metrics';
import type { SessionStore } from '../../infrastructure/sessions/store';
import { accountStreamOf, type Accounts } from '../accounts/account-stream';
import { eventOfRequest } from '../accounts/request-backstop';
import { lastPositionOf } from '../stream-loader';

export { TransferBody } from './transfer-body';

export type TransfersRouterDeps = {
  readonly store: EventStore;
  readonly accounts: Accounts;
  readonly idempotencyStore: IdempotencyStore;
  readonly jwtSecret: string;
  readonly logger: Logger;
  readonly metrics?: Metrics;
  readonly nowMs?: () => number;
  readonly idempotencyTtlMs?: number;
  /** Revoked sessions' tokens are refused (log-out, password change). */
  readonly sessionStore?: SessionStore;
  /** Runs after authentication and before the idempotency record: the second factor of large withdrawals. */
  readonly withdrawalGate?: RequestHandler;
};

/** The wire shape of a transfer, read back from the account state (the same answer for a replay). */
const transferJson = (state: AccountState, transferId: string) => {
  if (state.status !== 'open') return undefined;
  const deposit = state.deposits[transferId];
  if (deposit) return { transfer_id: transferId, direction: 'deposit', status: deposit.status, amount: deposit.amount, instant_credit: deposit.instantCredit };
  const withdrawn = state.withdrawals[transferId];
  if (withdrawn !== undefined) return { transfer_id: transferId, direction: 'withdrawal', status: 'completed', amount: withdrawn };
  return undefined;
};

/**
 * `POST /v1/transfers`: an ACH deposit (instant credit now, settled cash when ACH settles) or a
 * withdrawal of settled cash. The transfer id derives from the idempotency key, so a retry after the
 * idempotency record is lost finds the transfer already in the stream and answers with it.
 */
export const createTransfersRouter = (deps: TransfersRouterDeps): Router => {
  const nowMs = deps.nowMs ?? (() => Date.now());
  const router = Router();

  router.post('/v1/transfers', requireBearer(deps.jwtSecret, deps.sessionStore),
    deps.withdrawalGate ?? ((_req, _res, next) => { next(); }),
    accountIdempotency({ store: deps.idempotencyStore, logger: deps.logger, fingerprintKey: fingerprintKeyFrom(deps.jwtSecret), ...(deps.metrics ? { metrics: deps.metrics } : {}), ...(deps.idempotencyTtlMs !== undefined ? { ttlMs: deps.idempotencyTtlMs } : {}) }),
    async (req: Request, res: Response) => {
      const body = decodeBody(TransferBody, req.body);
      if (E.isLeft(body)) { sendError(res, body.left); return; }
      const accountId = accountIdOf(res);
      const transferId = idFromIdempotencyKey(accountId, idempotencyKeyOf(res), 'transfer');
      const { direction, amount } = body.right;
      const atMs = nowMs();
      const result = await deps.accounts.execute(accountId,
        direction === 'deposit'
          ? { type: 'RequestDeposit', data: { transferId, amount, atMs } }
          : { type: 'RequestWithdrawal', data: { transferId, amount, atMs } },
        {
          eventIdSource: transferId,
          metadata: { actor: `user:${accountId}`, correlationId: correlationIdOf(res), idempotencyKey: idempotencyKeyOf(res) },
        });
      if (E.isLeft(result) && result.left.code !== DomainErrorCode.DuplicateTransfer) { sendError(res, result.left); return; }
      const state = E.isRight(result) ? result.right.state : await deps.accounts.load(accountId);
      // A replay answers with its first attempt's own position (events carry the key), never the head of
      // $all, which a transaction open elsewhere on the server can hold below it.
      const position = E.isRight(result) ? result.right.position
        : (await eventOfRequest(deps.store, accountId, idempotencyKeyOf(res), () => true))?.position ?? await lastPositionOf(deps.store, accountStreamOf(accountId));
      const transfer = transferJson(state, transferId);
      if (transfer === undefined || transfer.direction !== direction || !big(transfer.amount).eq(amount)) {
        sendError(res, { code: 'IDEMPOTENCY_KEY_REUSED', message: 'this Idempotency-Key already made a different transfer' });
        return;
      }
      res.status(201).json({ ...transfer, position: position.toString() });
    });

  return router;
};
