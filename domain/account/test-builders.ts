import fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { asCash, asPrice, asQuantity } from '../money';
import type { AccountCommand, PlaceOrderData } from './commands';
import { decide } from './decide';
import type { DomainError } from './errors';
import type { AccountEvent } from './events';
import { evolve } from './evolve';
import { initialState, type AccountState } from './state';

/** One-line command builders for decider tests. Time is a counter the tests pass in. */
export const T0 = 1_700_000_000_000;
export const ACCOUNT_ID = 'acc-1';

export const open = (): AccountCommand => ({ type: 'OpenAccount', data: { accountId: ACCOUNT_ID, email: 'a@example.com', atMs: T0 } });
export const deposit = (transferId: string, amount: string, atMs = T0): AccountCommand => ({ type: 'RequestDeposit', data: { transferId, amount: asCash(amount), atMs } });
export const settleDeposit = (transferId: string, atMs = T0): AccountCommand => ({ type: 'SettleDeposit', data: { transferId, atMs } });
export const returnDeposit = (transferId: string, atMs = T0): AccountCommand => ({ type: 'ReturnDeposit', data: { transferId, reason: 'R01', atMs } });
export const withdraw = (transferId: string, amount: string, atMs = T0): AccountCommand => ({ type: 'RequestWithdrawal', data: { transferId, amount: asCash(amount), atMs } });

/** A placement's terms as a test writes them: decimals as string literals, decoded by the builder as the edge would. */
export type PlaceTerms = Omit<PlaceOrderData, 'quantity' | 'notional' | 'limitPrice' | 'stopPrice' | 'referencePrice'> & {
  quantity?: string; notional?: string; limitPrice?: string; stopPrice?: string; referencePrice: string;
};
export const place = (orderId: string, terms: Partial<PlaceTerms> = {}): AccountCommand => ({ type: 'PlaceOrder', data: placeData(orderId, terms) });
export const placeData = (orderId: string, terms: Partial<PlaceTerms> = {}): PlaceOrderData => {
  const { quantity, notional, limitPrice, stopPrice, referencePrice, ...rest } = {
    orderId, symbol: 'AAPL', side: 'buy', type: 'limit', quantity: '10', limitPrice: '100.00', timeInForce: 'day', extendedHours: false, referencePrice: '100.00', atMs: T0,
    ...terms,
  } satisfies PlaceTerms;
  return {
    ...rest,
    ...(quantity !== undefined ? { quantity: asQuantity(quantity) } : {}),
    ...(notional !== undefined ? { notional: asCash(notional) } : {}),
    ...(limitPrice !== undefined ? { limitPrice: asPrice(limitPrice) } : {}),
    ...(stopPrice !== undefined ? { stopPrice: asPrice(stopPrice) } : {}),
    referencePrice: asPrice(referencePrice),
  };
};
export const ack = (orderId: string, atMs = T0): AccountCommand => ({ type: 'AcknowledgeOrder', data: { orderId, venue: 'XNYS', atMs } });
export const fill = (orderId: string, execId: string, quantity: string, price: string, atMs = T0): AccountCommand => ({
  type: 'ApplyFill',
  data: { orderId, execId, quantity: asQuantity(quantity), price: asPrice(price), venue: 'XNYS', atMs },
});
export const cancel = (orderId: string, atMs = T0): AccountCommand => ({ type: 'RequestOrderCancel', data: { orderId, atMs } });
export const confirmCancel = (orderId: string, atMs = T0): AccountCommand => ({ type: 'ConfirmOrderCancel', data: { orderId, atMs } });
export const reject = (orderId: string, atMs = T0): AccountCommand => ({ type: 'RejectOrder', data: { orderId, reason: 'venue closed', atMs } });
export const expire = (orderId: string, atMs = T0): AccountCommand => ({ type: 'ExpireOrder', data: { orderId, atMs } });
export const replace = (orderId: string, expectedVersion: number, terms: { limitPrice?: string; stopPrice?: string; quantity?: string } = {}, atMs = T0): AccountCommand => ({
  type: 'RequestOrderReplace',
  data: {
    orderId, expectedVersion, atMs,
    ...(terms.limitPrice !== undefined ? { limitPrice: asPrice(terms.limitPrice) } : {}),
    ...(terms.stopPrice !== undefined ? { stopPrice: asPrice(terms.stopPrice) } : {}),
    ...(terms.quantity !== undefined ? { quantity: asQuantity(terms.quantity) } : {}),
  },
});
export const confirmReplace = (orderId: string, atMs = T0): AccountCommand => ({ type: 'ConfirmOrderReplace', data: { orderId, atMs } });
export const rejectReplace = (orderId: string, atMs = T0): AccountCommand => ({ type: 'RejectOrderReplace', data: { orderId, reason: 'too late', atMs } });
export const settleTrades = (upToMs: number, atMs = upToMs): AccountCommand => ({ type: 'SettleTrades', data: { upToMs, atMs } });

/** Run commands that must succeed, collecting their events: the "given" of a story. */
export const history = (...commands: AccountCommand[]): AccountEvent[] => {
  let state: AccountState = initialState;
  const events: AccountEvent[] = [];
  for (const command of commands) {
    const decision = decide(command, state);
    if (E.isLeft(decision)) throw new Error(`setup command ${command.type} refused: ${decision.left.code} ${decision.left.message}`);
    for (const event of decision.right) {
      state = evolve(state, event);
      events.push(event);
    }
  }
  return events;
};

export const stateOf = (events: readonly AccountEvent[]): AccountState => events.reduce(evolve, initialState);

export const given = (events: readonly AccountEvent[]) => ({
  when: (command: AccountCommand): E.Either<DomainError, AccountEvent[]> => decide(command, stateOf(events)),
});

export const errorCode = (decision: E.Either<DomainError, AccountEvent[]>): string => (E.isLeft(decision) ? decision.left.code : 'accepted');

export const eventsOf = (decision: E.Either<DomainError, AccountEvent[]>): AccountEvent[] => {
  if (E.isLeft(decision)) throw new Error(`refused: ${decision.left.code} ${decision.left.message}`);
  return decision.right;
};

/**
 * A random order placement for the model-based tests (domain and command layer): every side, type and
 * time in force, whole or fractional quantity or a notional, limit and stop within ±10% of the reference.
 */
export const placeSpecArb = fc.record({
  kind: fc.constant('place' as const),
  side: fc.constantFrom('buy' as const, 'sell' as const),
  type: fc.constantFrom('market' as const, 'limit' as const, 'stop' as const, 'stop_limit' as const),
  symbol: fc.nat({ max: 1 }),
  micros: fc.integer({ min: 1, max: 5_000_000 }),
  notionalCents: fc.option(fc.integer({ min: 1, max: 50_000 }), { freq: 4 }),
  refTicks: fc.integer({ min: 1, max: 2_000_000 }),
  limitPct: fc.integer({ min: 90, max: 110 }),
  stopPct: fc.integer({ min: 90, max: 110 }),
  tif: fc.constantFrom('day' as const, 'gtc' as const, 'ioc' as const, 'fok' as const),
  ext: fc.boolean(),
});

export const route = (orderId: string, venue = 'XNAS', atMs = T0): AccountCommand => ({
  type: 'RouteOrder',
  data: { orderId, venue, nbboBid: '99.99', nbboAsk: '100.01', triggeredAt: null, candidates: [], atMs },
});
