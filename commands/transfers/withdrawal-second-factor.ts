import type { Request, RequestHandler, Response } from 'express';
import * as E from 'fp-ts/Either';
import { big } from '../../domain/money';
import { accountIdOf } from '../../infrastructure/http/context';
import { decodeBody } from '../../infrastructure/http/validation';
import { idFromIdempotencyKey } from '../../infrastructure/idempotency/derived-id';
import type { Accounts } from '../accounts/account-stream';
import { originOf } from '../users/origin';
import type { TwoFactorService } from '../users/two-factor';
import { sendTwoFactorRefusal } from '../users/two-factor-routes';
import { TransferBody } from './transfer-body';

/** The header a large withdrawal's code rides in: outside the body, so a retry with a fresh code keeps the body's fingerprint. */
export const MFA_CODE_HEADER = 'x-mfa-code';

export type WithdrawalSecondFactorDeps = {
  /** Withdrawals above this (a decimal string, dollars) need a code when the user has 2FA on. */
  readonly thresholdDecimal: string;
  readonly accounts: Accounts;
  readonly twoFactor: TwoFactorService;
  readonly emailOfAccount: (accountId: string) => Promise<string | undefined>;
  readonly nowMs: () => number;
};

const idempotencyKeyIn = (req: Request): string | undefined => req.get('idempotency-key') ?? req.get('x-idempotency-key');

/**
 * In front of the idempotency record, so a refusal for a missing or wrong code is not stored as the key's
 * answer and the client can send the same request again with a code. Anything this gate does not judge
 * (a bad body, a deposit, a small amount, no key) passes to the route, which refuses it as before.
 */
export const requireCodeForLargeWithdrawals = (deps: WithdrawalSecondFactorDeps): RequestHandler => async (req: Request, res: Response, next) => {
  const body = decodeBody(TransferBody, req.body);
  const key = idempotencyKeyIn(req);
  if (E.isLeft(body) || body.right.direction !== 'withdrawal' || !big(body.right.amount).gt(big(deps.thresholdDecimal)) || key === undefined) { next(); return; }
  const accountId = accountIdOf(res);
  // A retry of a withdrawal already booked moves no money: it is answered as the first time, with no new code.
  const state = await deps.accounts.load(accountId);
  if (state.status === 'open' && state.withdrawals[idFromIdempotencyKey(accountId, key, 'transfer')] !== undefined) { next(); return; }
  const email = await deps.emailOfAccount(accountId);
  if (email === undefined) { next(); return; }
  const checked = await deps.twoFactor.requireFor(email, req.get(MFA_CODE_HEADER), originOf(req, res), deps.nowMs(), `withdrawal of ${body.right.amount}`);
  if (E.isLeft(checked)) { sendTwoFactorRefusal(res, checked.left); return; }
  next();
};
