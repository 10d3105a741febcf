import * as E from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import { big, cashString, maxBig, minBig, ZERO, type Cash } from '../money';
import { buyingPowerBig, instantCreditTotal, withdrawableBig } from './buying-power';
import type { CommandOf } from './commands';
import { DomainErrorCode, fail, type DomainError } from './errors';
import { accountEvent, type AccountEvent } from './events';
import { DEPOSIT_AMOUNT_MAX_CASH, INSTANT_DEPOSIT_LIMIT_CASH } from './limits';
import { isValidId, positiveField } from './order-validation';
import { entry, type AccountState, type OpenAccountState } from './state';

type Decision = E.Either<DomainError, AccountEvent[]>;

export const decideOpenAccount = ({ data }: CommandOf<'OpenAccount'>, state: AccountState): Decision => {
  if (state.status === 'open') return fail(DomainErrorCode.AccountAlreadyOpen, `account ${state.accountId} is already open`);
  if (!isValidId(data.accountId)) return fail(DomainErrorCode.InvalidAccount, 'accountId is required', 'accountId');
  if (typeof data.email !== 'string' || !data.email.includes('@')) return fail(DomainErrorCode.InvalidAccount, 'email is invalid', 'email');
  return E.right([accountEvent('AccountOpened', { accountId: data.accountId, email: data.email, atMs: data.atMs })]);
};

const isKnownTransfer = (state: OpenAccountState, transferId: string): boolean =>
  entry(state.deposits, transferId) !== undefined || entry(state.withdrawals, transferId) !== undefined;

const amountField = (amount: Cash) => positiveField(amount, 'amount', DomainErrorCode.InvalidAmount);

/** The instant credit granted now: what is left under the limit after other pending deposits' credit, capped by the amount. */
export const decideRequestDeposit = ({ data }: CommandOf<'RequestDeposit'>, state: OpenAccountState): Decision => {
  if (!isValidId(data.transferId)) return fail(DomainErrorCode.InvalidAmount, 'transferId is required', 'transferId');
  if (isKnownTransfer(state, data.transferId)) return fail(DomainErrorCode.DuplicateTransfer, `transfer ${data.transferId} already exists`, 'transferId');
  return pipe(
    amountField(data.amount),
    E.chain((amount) => {
      if (amount.gt(DEPOSIT_AMOUNT_MAX_CASH)) return fail<AccountEvent[]>(DomainErrorCode.InvalidAmount, `deposit above ${DEPOSIT_AMOUNT_MAX_CASH}`, 'amount');
      const creditRoom = maxBig(ZERO, big(INSTANT_DEPOSIT_LIMIT_CASH).minus(instantCreditTotal(state)));
      const instantCredit = minBig(amount, creditRoom);
      return E.right([
        accountEvent('DepositInitiated', { transferId: data.transferId, amount: cashString(amount), instantCredit: cashString(instantCredit), atMs: data.atMs }),
      ]);
    }),
  );
};

export const decideSettleDeposit = ({ data }: CommandOf<'SettleDeposit'>, state: OpenAccountState): Decision => {
  const deposit = entry(state.deposits, data.transferId);
  if (deposit === undefined) return fail(DomainErrorCode.TransferNotFound, `no deposit ${data.transferId}`, 'transferId');
  if (deposit.status !== 'pending') return fail(DomainErrorCode.TransferNotPending, `deposit ${data.transferId} is ${deposit.status}`, 'transferId');
  const buyingPowerAfter = buyingPowerBig(state).minus(deposit.instantCredit).plus(deposit.amount);
  return E.right([
    accountEvent('DepositSettled', {
      transferId: deposit.transferId,
      amount: deposit.amount,
      instantCreditReleased: deposit.instantCredit,
      restrictionLifted: state.restricted && buyingPowerAfter.gte(0),
      atMs: data.atMs,
    }),
  ]);
};

/**
 * An ACH return takes back what the deposit gave: the instant credit of a pending deposit, or
 * the cash of a settled one. Buying power below zero afterwards restricts the account.
 */
export const decideReturnDeposit = ({ data }: CommandOf<'ReturnDeposit'>, state: OpenAccountState): Decision => {
  const deposit = entry(state.deposits, data.transferId);
  if (deposit === undefined) return fail(DomainErrorCode.TransferNotFound, `no deposit ${data.transferId}`, 'transferId');
  if (deposit.status === 'returned') return fail(DomainErrorCode.TransferNotPending, `deposit ${data.transferId} is already returned`, 'transferId');
  const instantCreditReversed = deposit.status === 'pending' ? big(deposit.instantCredit) : ZERO;
  const settledCashDebited = deposit.status === 'settled' ? big(deposit.amount) : ZERO;
  const buyingPowerAfter = buyingPowerBig(state).minus(instantCreditReversed).minus(settledCashDebited);
  return E.right([
    accountEvent('DepositReturned', {
      transferId: deposit.transferId,
      amount: deposit.amount,
      reason: String(data.reason),
      instantCreditReversed: cashString(instantCreditReversed),
      settledCashDebited: cashString(settledCashDebited),
      accountRestricted: state.restricted || buyingPowerAfter.lt(0),
      atMs: data.atMs,
    }),
  ]);
};

export const decideRequestWithdrawal = ({ data }: CommandOf<'RequestWithdrawal'>, state: OpenAccountState): Decision => {
  if (!isValidId(data.transferId)) return fail(DomainErrorCode.InvalidAmount, 'transferId is required', 'transferId');
  if (isKnownTransfer(state, data.transferId)) return fail(DomainErrorCode.DuplicateTransfer, `transfer ${data.transferId} already exists`, 'transferId');
  return pipe(
    amountField(data.amount),
    E.chain((amount) => {
      const withdrawable = withdrawableBig(state);
      if (amount.gt(withdrawable)) {
        return fail<AccountEvent[]>(DomainErrorCode.InsufficientWithdrawableCash, `withdrawable is ${cashString(withdrawable)}`, 'amount');
      }
      return E.right([accountEvent('FundsWithdrawn', { transferId: data.transferId, amount: cashString(amount), atMs: data.atMs })]);
    }),
  );
};
