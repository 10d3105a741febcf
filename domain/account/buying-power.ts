import type Big from 'big.js';
import { big, cashString, maxBig, sumBig, ZERO } from '../money';
import { isTerminal } from '../order/state-machine';
import type { AccountState, OpenAccountState, OrderRecord } from './state';

export type CashBuckets = {
  readonly settled: string;
  readonly unsettled: string;
  readonly instantCredit: string;
  readonly pendingDeposits: string;
  readonly reserved: string;
  readonly holds: string;
  readonly withdrawable: string;
  readonly buyingPower: string;
};

export const openOrders = (state: OpenAccountState): OrderRecord[] =>
  Object.values(state.orders).filter((order) => !isTerminal(order.status));

/** Cash an order keeps from buying power: its reserve plus any hold for a pending replace (most orders have none: no sum then). */
export const orderReservedCash = (order: OrderRecord): Big => {
  const held = order.pendingReplace?.heldCash;
  return held === undefined ? big(order.reservedCash) : big(order.reservedCash).plus(held);
};
export const orderReservedShares = (order: OrderRecord): Big => {
  const held = order.pendingReplace?.heldShares;
  return held === undefined ? big(order.reservedShares) : big(order.reservedShares).plus(held);
};

export const reservedCashTotal = (state: OpenAccountState): Big => sumBig(openOrders(state).map(orderReservedCash));
export const unsettledTotal = (state: OpenAccountState): Big => sumBig(state.unsettled.map((u) => u.amount));
export const pendingDeposits = (state: OpenAccountState) => Object.values(state.deposits).filter((d) => d.status === 'pending');
export const instantCreditTotal = (state: OpenAccountState): Big => sumBig(pendingDeposits(state).map((d) => d.instantCredit));

/**
 * The one buying power formula:
 *   settled + unsettled (T+1 sale proceeds) + instant deposit credit + margin (0: cash accounts
 *   only for now) − reserved for open orders − regulatory holds.
 * It can be negative after an ACH return or a market buy filling above its collar.
 */
export const buyingPowerBig = (state: OpenAccountState): Big =>
  big(state.settledCash)
    .plus(unsettledTotal(state))
    .plus(instantCreditTotal(state))
    .minus(reservedCashTotal(state))
    .minus(state.holdsCash);

/**
 * Withdrawable: settled cash only, and pending buys are assumed to draw on settled cash first,
 * so their reserves are not withdrawable (conservative: never lets out cash a buy relies on).
 */
export const withdrawableBig = (state: OpenAccountState): Big =>
  maxBig(ZERO, big(state.settledCash).minus(reservedCashTotal(state)).minus(state.holdsCash));

const signedCash = (value: Big): string => (value.lt(0) ? `-${cashString(value.abs())}` : cashString(value));

export const cashBuckets = (state: AccountState): CashBuckets | null => {
  if (state.status !== 'open') return null;
  return {
    settled: signedCash(big(state.settledCash)),
    unsettled: cashString(unsettledTotal(state)),
    instantCredit: cashString(instantCreditTotal(state)),
    pendingDeposits: cashString(sumBig(pendingDeposits(state).map((d) => d.amount))),
    reserved: cashString(reservedCashTotal(state)),
    holds: cashString(big(state.holdsCash)),
    withdrawable: cashString(withdrawableBig(state)),
    buyingPower: signedCash(buyingPowerBig(state)),
  };
};

/** Buying power as a signed decimal string ("-12.50" after an ACH return), '0.00' for no account. */
export const buyingPower = (state: AccountState): string => (state.status === 'open' ? signedCash(buyingPowerBig(state)) : '0.00');
