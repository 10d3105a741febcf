import * as E from 'fp-ts/Either';
import { buyingPower, cashBuckets } from './buying-power';
import { DomainErrorCode } from './errors';
import type { AccountEvent } from './events';
import { positions } from './positions';
import {
  ack,
  cancel,
  confirmCancel,
  confirmReplace,
  deposit,
  errorCode,
  eventsOf,
  expire,
  fill,
  given,
  history,
  open,
  place,
  placeData,
  reject,
  rejectReplace,
  replace,
  returnDeposit,
  settleDeposit,
  settleTrades,
  stateOf,
  T0,
  withdraw,
} from './test-builders';
import { matchesPlacement, orderView } from './views';

const DAY_MS = 24 * 60 * 60 * 1000;
const funded = (amount = '10000.00') => history(open(), deposit('d1', amount), settleDeposit('d1'));
const only = (events: AccountEvent[]): AccountEvent => {
  expect(events).toHaveLength(1);
  return events[0]!;
};
const dataOf = (events: AccountEvent[]) => only(events).data as Record<string, unknown>;
/** Given events, run commands that must succeed, returning the whole history. */
const continueWith = (events: AccountEvent[], ...commands: Parameters<typeof history>): AccountEvent[] => {
  const out = [...events];
  for (const command of commands) out.push(...eventsOf(given(out).when(command)));
  return out;
};

describe('OpenAccount', () => {
  it('opens an account once', () => {
    expect(only(eventsOf(given([]).when(open()))).type).toBe('AccountOpened');
    expect(errorCode(given(history(open())).when(open()))).toBe(DomainErrorCode.AccountAlreadyOpen);
  });
  it('refuses a bad email', () => {
    expect(errorCode(given([]).when({ type: 'OpenAccount', data: { accountId: 'a', email: 'nope', atMs: T0 } }))).toBe(DomainErrorCode.InvalidAccount);
  });
  it('refuses every other command on an account that is not open', () => {
    expect(errorCode(given([]).when(deposit('d1', '5.00')))).toBe(DomainErrorCode.AccountNotFound);
    expect(errorCode(given([]).when(place('o1')))).toBe(DomainErrorCode.AccountNotFound);
  });
});

describe('deposits', () => {
  it('grants instant credit up to the limit across pending deposits', () => {
    const first = history(open(), deposit('d1', '600.00'));
    expect(cashBuckets(stateOf(first))?.instantCredit).toBe('600.00');
    const second = eventsOf(given(first).when(deposit('d2', '5000.00')));
    expect(dataOf(second)).toMatchObject({ amount: '5000.00', instantCredit: '400.00' });
    expect(buyingPower(stateOf([...first, ...second]))).toBe('1000.00');
  });
  it('settles: pending becomes settled cash and the credit is released', () => {
    const events = history(open(), deposit('d1', '5000.00'), settleDeposit('d1'));
    expect(cashBuckets(stateOf(events))).toMatchObject({ settled: '5000.00', instantCredit: '0.00', pendingDeposits: '0.00', buyingPower: '5000.00', withdrawable: '5000.00' });
  });
  // A malformed amount never gets here: the body codec refuses it (commands/decimals-at-the-edge.test.ts).
  it('refuses zero and oversized amounts, reused transfer ids, unknown and non-pending transfers', () => {
    const events = history(open(), deposit('d1', '100.00'));
    expect(given(events).when(deposit('d2', '0.00'))).toEqual(E.left(expect.objectContaining({ code: DomainErrorCode.InvalidAmount, field: 'amount' })));
    expect(given(events).when(deposit('d2', '1000000000000.00'))).toEqual(E.left(expect.objectContaining({ code: DomainErrorCode.InvalidAmount, field: 'amount' })));
    expect(errorCode(given(events).when(deposit('d1', '5.00')))).toBe(DomainErrorCode.DuplicateTransfer);
    expect(errorCode(given(events).when(settleDeposit('nope')))).toBe(DomainErrorCode.TransferNotFound);
    const settled = continueWith(events, settleDeposit('d1'));
    expect(errorCode(given(settled).when(settleDeposit('d1')))).toBe(DomainErrorCode.TransferNotPending);
  });
  it('an ACH return after spending the instant credit restricts the account; buys refused, sells allowed', () => {
    const events = continueWith(history(open(), deposit('d1', '5000.00')), place('o1', { quantity: '8', limitPrice: '100.00' }), ack('o1'), fill('o1', 'x1', '8', '100.00'));
    const returned = eventsOf(given(events).when(returnDeposit('d1')));
    expect(dataOf(returned)).toMatchObject({ instantCreditReversed: '1000.00', settledCashDebited: '0.00', accountRestricted: true });
    const state = stateOf([...events, ...returned]);
    expect(buyingPower(state)).toBe('-800.00');
    expect(errorCode(given([...events, ...returned]).when(place('o2', { quantity: '1', limitPrice: '1.00' })))).toBe(DomainErrorCode.AccountRestricted);
    expect(errorCode(given([...events, ...returned]).when(place('o3', { side: 'sell', quantity: '8', limitPrice: '100.00' })))).toBe('accepted');
    expect(errorCode(given([...events, ...returned]).when(returnDeposit('d1')))).toBe(DomainErrorCode.TransferNotPending);
  });
  it('a return of a settled deposit takes the cash back; a later settled deposit lifts the restriction', () => {
    const events = continueWith(funded('1000.00'), place('o1', { quantity: '5', limitPrice: '100.00' }), ack('o1'), fill('o1', 'x1', '5', '100.00'), returnDeposit('d1'));
    const state = stateOf(events);
    expect(state.status === 'open' && state.restricted).toBe(true);
    expect(cashBuckets(state)?.settled).toBe('-500.00');
    const lifted = continueWith(events, deposit('d2', '600.00'), settleDeposit('d2'));
    const after = stateOf(lifted);
    expect(after.status === 'open' && after.restricted).toBe(false);
    expect(buyingPower(after)).toBe('100.00');
  });
});

describe('withdrawals', () => {
  it('come from settled cash not reserved by pending buys', () => {
    const events = continueWith(funded('1000.00'), place('o1', { quantity: '3', limitPrice: '100.00' }));
    expect(cashBuckets(stateOf(events))?.withdrawable).toBe('700.00');
    expect(errorCode(given(events).when(withdraw('w1', '700.01')))).toBe(DomainErrorCode.InsufficientWithdrawableCash);
    expect(dataOf(eventsOf(given(events).when(withdraw('w1', '700.00'))))).toMatchObject({ amount: '700.00' });
  });
  it('never include instant credit or unsettled proceeds', () => {
    const events = history(open(), deposit('d1', '500.00'));
    expect(errorCode(given(events).when(withdraw('w1', '0.01')))).toBe(DomainErrorCode.InsufficientWithdrawableCash);
    expect(errorCode(given(events).when(withdraw('d1', '0.01')))).toBe(DomainErrorCode.DuplicateTransfer);
    expect(errorCode(given(events).when(withdraw('w2', '0.00')))).toBe(DomainErrorCode.InvalidAmount);
  });
});

describe('PlaceOrder', () => {
  it('reserves quantity × limit price for a limit buy, rounded up to the cent', () => {
    const placed = dataOf(eventsOf(given(funded()).when(place('o1', { quantity: '0.333333', limitPrice: '10.00' }))));
    expect(placed).toMatchObject({ reservedCash: '3.34', reservedShares: '0.000000', quantity: '0.333333', schemaVersion: 1 });
  });
  it('reserves reference × (1 + collar) for market buys and stop × (1 + collar) for stop buys', () => {
    expect(dataOf(eventsOf(given(funded()).when(place('o1', { type: 'market', limitPrice: undefined, quantity: '10', referencePrice: '100.00' }))))).toMatchObject({ reservedCash: '1050.00' });
    expect(
      dataOf(eventsOf(given(funded()).when(place('o1', { type: 'stop', limitPrice: undefined, stopPrice: '110.00', quantity: '10', timeInForce: 'gtc' })))),
    ).toMatchObject({ reservedCash: '1155.00' });
    expect(
      dataOf(eventsOf(given(funded()).when(place('o1', { type: 'stop_limit', limitPrice: '111.00', stopPrice: '110.00', quantity: '10' })))),
    ).toMatchObject({ reservedCash: '1110.00' });
  });
  it('reserves a notional buy like any market buy, with the collar, and converts it to shares rounded down', () => {
    // 1.666666 × 3.00 × 1.05 = 5.2499979, up to the cent.
    expect(dataOf(eventsOf(given(funded()).when(place('o1', { type: 'market', limitPrice: undefined, quantity: undefined, notional: '5.00', referencePrice: '3.00' }))))).toMatchObject({
      reservedCash: '5.25',
      quantity: '1.666666',
      notional: '5.00',
    });
  });
  it('reserves shares for sells, a notional sell converted at the reference price', () => {
    const holding = continueWith(funded(), place('b', { quantity: '10' }), ack('b'), fill('b', 'x1', '10', '100.00'));
    expect(dataOf(eventsOf(given(holding).when(place('s', { side: 'sell', quantity: '4' }))))).toMatchObject({ reservedShares: '4.000000', reservedCash: '0.00' });
    expect(
      dataOf(eventsOf(given(holding).when(place('s', { side: 'sell', type: 'market', limitPrice: undefined, quantity: undefined, notional: '250.00', referencePrice: '100.00' })))),
    ).toMatchObject({ reservedShares: '2.500000' });
    expect(
      errorCode(given(holding).when(place('s', { side: 'sell', type: 'market', limitPrice: undefined, quantity: undefined, notional: '1000.01', referencePrice: '100.00' }))),
    ).toBe(DomainErrorCode.InvalidOrder);
    const reserved = continueWith(holding, place('s1', { side: 'sell', quantity: '6' }));
    expect(errorCode(given(reserved).when(place('s2', { side: 'sell', quantity: '4.000001' })))).toBe(DomainErrorCode.InsufficientShares);
  });
  it.each([
    ['limit without limit price', { limitPrice: undefined }, 'limitPrice'],
    ['market with limit price', { type: 'market' as const }, 'limitPrice'],
    ['stop without stop price', { type: 'stop' as const, limitPrice: undefined }, 'stopPrice'],
    ['limit with stop price', { stopPrice: '90.00' }, 'stopPrice'],
    ['both quantity and notional', { notional: '5.00' }, 'quantity'],
    ['neither quantity nor notional', { quantity: undefined }, 'quantity'],
    ['notional limit order', { quantity: undefined, notional: '5.00' }, 'notional'],
    ['extended hours market order', { type: 'market' as const, limitPrice: undefined, extendedHours: true }, 'extendedHours'],
    ['extended hours ioc', { extendedHours: true, timeInForce: 'ioc' as const }, 'timeInForce'],
    ['extended hours fok', { extendedHours: true, timeInForce: 'fok' as const }, 'timeInForce'],
    ['a zero quantity', { quantity: '0' }, 'quantity'],
    ['a quantity of a trillion shares or more', { quantity: '1000000000000' }, 'quantity'],
    ['a zero limit price', { limitPrice: '0.00' }, 'limitPrice'],
    ['a zero reference price', { referencePrice: '0' }, 'referencePrice'],
    ['a lower-case symbol', { symbol: 'aapl' }, 'symbol'],
    ['a notional under the $1.00 minimum', { type: 'market' as const, limitPrice: undefined, quantity: undefined, notional: '0.99', referencePrice: '100.00' }, 'notional'],
    ['a notional too small for one millionth', { type: 'market' as const, limitPrice: undefined, quantity: undefined, notional: '0.01', referencePrice: '100000.00' }, 'notional'],
  ])('refuses %s with INVALID_ORDER', (_name, terms, field) => {
    const decision = given(funded()).when(place('o1', terms));
    expect(decision).toEqual(E.left(expect.objectContaining({ code: DomainErrorCode.InvalidOrder, field })));
  });
  it('refuses market orders outside the regular session, and takes limit orders then', () => {
    for (const marketSession of ['pre_market', 'after_hours', 'closed'] as const) {
      expect(errorCode(given(funded()).when(place('o1', { type: 'market', limitPrice: undefined, quantity: '1', marketSession })))).toBe(DomainErrorCode.MarketClosed);
      expect(errorCode(given(funded()).when(place('o1', { type: 'market', limitPrice: undefined, quantity: undefined, notional: '5.00', marketSession })))).toBe(DomainErrorCode.MarketClosed);
      expect(errorCode(given(funded()).when(place('o1', { quantity: '1', limitPrice: '100.00', extendedHours: true, marketSession })))).toBe('accepted');
    }
    expect(errorCode(given(funded()).when(place('o1', { type: 'market', limitPrice: undefined, quantity: '1', marketSession: 'regular' })))).toBe('accepted');
  });
  it('a notional market buy of all the buying power is refused; one that fits, filled within its collar, leaves it at or above zero', () => {
    expect(errorCode(given(funded('100.00')).when(place('o1', { type: 'market', limitPrice: undefined, quantity: undefined, notional: '100.00', referencePrice: '3.00' })))).toBe(DomainErrorCode.InsufficientBuyingPower);
    const events = continueWith(funded('100.00'), place('o1', { type: 'market', limitPrice: undefined, quantity: undefined, notional: '95.00', referencePrice: '3.00' }), ack('o1'),
      fill('o1', 'x1', '31.666666', '3.15'));
    expect(buyingPower(stateOf(events))).toBe('0.25');
  });
  it('refuses a buy above buying power', () => {
    expect(errorCode(given(funded('999.99')).when(place('o1', { quantity: '10', limitPrice: '100.00' })))).toBe(DomainErrorCode.InsufficientBuyingPower);
    expect(errorCode(given(funded('1000.00')).when(place('o1', { quantity: '10', limitPrice: '100.00' })))).toBe('accepted');
  });
  it('refuses a buy that takes the position above $500K at the reference price', () => {
    const rich = history(open(), ...Array.from({ length: 6 }, (_, i) => [deposit(`d${i}`, '100000.00'), settleDeposit(`d${i}`)]).flat());
    const holding = continueWith(rich, place('b', { quantity: '4000', limitPrice: '100.00' }), ack('b'), fill('b', 'x1', '4000', '100.00'));
    expect(errorCode(given(holding).when(place('o2', { quantity: '1000', limitPrice: '100.00' })))).toBe('accepted');
    expect(errorCode(given(holding).when(place('o2', { quantity: '1000.01', limitPrice: '100.00' })))).toBe(DomainErrorCode.PositionLimitExceeded);
  });
  it('refuses the 61st order inside a rolling minute and accepts it once the first leaves the window', () => {
    const sixty = continueWith(funded(), ...Array.from({ length: 60 }, (_, i) => place(`o${i}`, { quantity: '0.01', atMs: T0 + i * 100 })));
    expect(errorCode(given(sixty).when(place('o60', { quantity: '0.01', atMs: T0 + 59_999 })))).toBe(DomainErrorCode.RateLimitExceeded);
    expect(errorCode(given(sixty).when(place('o60', { quantity: '0.01', atMs: T0 + 60_000 })))).toBe('accepted');
    const state = stateOf(sixty);
    expect(state.status === 'open' && state.recentOrders.length).toBe(60);
  });
  it('refuses more than $1M of orders inside a rolling minute', () => {
    const holding = continueWith(funded(), place('b', { quantity: '10' }), ack('b'), fill('b', 'x1', '10', '100.00'));
    // The buy at T0 has left the window by T0 + 60_001.
    const big = continueWith(holding, place('s1', { side: 'sell', quantity: '5', limitPrice: '199999.00', atMs: T0 + 60_001 }));
    expect(errorCode(given(big).when(place('s2', { side: 'sell', quantity: '1', limitPrice: '5.01', atMs: T0 + 60_002 })))).toBe(DomainErrorCode.RateLimitExceeded);
    expect(errorCode(given(big).when(place('s2', { side: 'sell', quantity: '1', limitPrice: '5.00', atMs: T0 + 60_002 })))).toBe('accepted');
  });
  it('refuses a repeated orderId with DUPLICATE_ORDER, and tells an identical replay apart', () => {
    const events = continueWith(funded(), place('o1'));
    expect(given(events).when(place('o1'))).toEqual(E.left(expect.objectContaining({ code: DomainErrorCode.DuplicateOrder, field: 'orderId' })));
    const state = stateOf(events);
    // Told apart as the router does it: against the terms of the order's OrderPlaced event.
    const placed = events.find((event) => event.type === 'OrderPlaced');
    expect(placed?.type === 'OrderPlaced' && matchesPlacement(placed.data, placeData('o1'))).toBe(true);
    expect(placed?.type === 'OrderPlaced' && matchesPlacement(placed.data, placeData('o1', { quantity: '11' }))).toBe(false);
    expect(orderView(state, 'o1')).toMatchObject({ status: 'pending_new', etag: 'v1', reservedAmount: '1000.00' });
  });
});

describe('order lifecycle', () => {
  const placed = () => continueWith(funded(), place('o1', { quantity: '10', limitPrice: '100.00' }));
  it('acknowledges once, then refuses a second acknowledgement', () => {
    const events = continueWith(placed(), ack('o1'));
    expect(orderView(stateOf(events), 'o1')).toMatchObject({ status: 'submitted', etag: 'v2' });
    expect(errorCode(given(events).when(ack('o1')))).toBe(DomainErrorCode.InvalidTransition);
    expect(errorCode(given(events).when(ack('nope')))).toBe(DomainErrorCode.OrderNotFound);
  });
  it('rejects, releasing the whole reserve', () => {
    const events = continueWith(placed(), reject('o1'));
    expect(dataOf(events.slice(-1))).toMatchObject({ releasedCash: '1000.00' });
    expect(buyingPower(stateOf(events))).toBe('10000.00');
    expect(errorCode(given(events).when(cancel('o1')))).toBe(DomainErrorCode.InvalidTransition);
  });
  it('expires, releasing what remains after a partial fill', () => {
    const events = continueWith(placed(), ack('o1'), fill('o1', 'x1', '3', '99.00'), expire('o1'));
    expect(dataOf(events.slice(-1))).toMatchObject({ releasedCash: '700.00' });
    expect(cashBuckets(stateOf(events))).toMatchObject({ settled: '9703.00', reserved: '0.00', buyingPower: '9703.00' });
  });
  it('cancels in two steps; the confirmation releases the remaining reserve exactly', () => {
    const requested = continueWith(placed(), ack('o1'), fill('o1', 'x1', '1', '100.00'), fill('o1', 'x2', '1', '100.00'), fill('o1', 'x3', '1', '100.00'), cancel('o1'));
    expect(orderView(stateOf(requested), 'o1')).toMatchObject({ status: 'pending_cancel', reservedAmount: '700.00' });
    expect(errorCode(given(requested).when(cancel('o1')))).toBe(DomainErrorCode.InvalidTransition);
    expect(errorCode(given(requested).when(replace('o1', 6, { limitPrice: '99.00' })))).toBe(DomainErrorCode.InvalidTransition);
    const done = continueWith(requested, confirmCancel('o1'));
    expect(orderView(stateOf(done), 'o1')).toMatchObject({ status: 'cancelled', reservedAmount: '0.00', filledQuantity: '3.000000', etag: 'v7' });
    expect(buyingPower(stateOf(done))).toBe('9700.00');
  });
  it('lets a fill that arrives before the cancel complete the order', () => {
    const events = continueWith(placed(), ack('o1'), cancel('o1'), fill('o1', 'x1', '4', '100.00'));
    expect(orderView(stateOf(events), 'o1')?.status).toBe('pending_cancel');
    const filled = continueWith(events, fill('o1', 'x2', '6', '100.00'));
    expect(orderView(stateOf(filled), 'o1')?.status).toBe('filled');
    expect(errorCode(given(filled).when(confirmCancel('o1')))).toBe(DomainErrorCode.InvalidTransition);
  });
  it('ends the order when the venue\'s reject of it arrives after a cancel or replace was asked for: every reserve released', () => {
    const cancelled = continueWith(placed(), cancel('o1'), reject('o1'));
    expect(orderView(stateOf(cancelled), 'o1')).toMatchObject({ status: 'rejected', reservedAmount: '0.00' });
    const replaced = continueWith(funded('2000.00'), place('o1', { quantity: '10', limitPrice: '100.00' }), ack('o1'), replace('o1', 2, { limitPrice: '150.00' }), reject('o1'));
    expect(orderView(stateOf(replaced), 'o1')).toMatchObject({ status: 'rejected', reservedAmount: '0.00' });
    expect(buyingPower(stateOf(replaced))).toBe('2000.00');
  });
  it('refuses to confirm a cancel nobody requested', () => {
    expect(errorCode(given(continueWith(placed(), ack('o1'))).when(confirmCancel('o1')))).toBe(DomainErrorCode.InvalidTransition);
  });
});

describe('replace', () => {
  const working = () => continueWith(funded('2000.00'), place('o1', { quantity: '10', limitPrice: '100.00' }), ack('o1'));
  it('holds the extra reserve of a costlier replacement and puts the new terms in force on confirmation', () => {
    const requested = continueWith(working(), replace('o1', 2, { limitPrice: '150.00' }));
    expect(orderView(stateOf(requested), 'o1')).toMatchObject({ status: 'pending_replace', etag: 'v3', reservedAmount: '1500.00', limitPrice: '100.00' });
    expect(buyingPower(stateOf(requested))).toBe('500.00');
    const replaced = continueWith(requested, confirmReplace('o1'));
    expect(orderView(stateOf(replaced), 'o1')).toMatchObject({ status: 'submitted', etag: 'v4', reservedAmount: '1500.00', limitPrice: '150.00' });
  });
  it('releases the hold when the venue rejects the replace', () => {
    const events = continueWith(working(), replace('o1', 2, { limitPrice: '150.00' }), rejectReplace('o1'));
    expect(orderView(stateOf(events), 'o1')).toMatchObject({ status: 'submitted', reservedAmount: '1000.00', limitPrice: '100.00' });
  });
  it('shrinks the reserve for a cheaper replacement only once confirmed', () => {
    const requested = continueWith(working(), replace('o1', 2, { quantity: '5' }));
    expect(orderView(stateOf(requested), 'o1')?.reservedAmount).toBe('1000.00');
    expect(orderView(stateOf(continueWith(requested, confirmReplace('o1'))), 'o1')).toMatchObject({ reservedAmount: '500.00', quantity: '5.000000' });
  });
  it('counts fills that arrive while the replace is pending', () => {
    const events = continueWith(working(), replace('o1', 2, { quantity: '4' }), fill('o1', 'x1', '4', '100.00'));
    expect(orderView(stateOf(events), 'o1')?.status).toBe('pending_replace');
    const replaced = continueWith(events, confirmReplace('o1'));
    expect(orderView(stateOf(replaced), 'o1')).toMatchObject({ status: 'filled', reservedAmount: '0.00' });
    expect(cashBuckets(stateOf(replaced))).toMatchObject({ reserved: '0.00', settled: '1600.00' });
  });
  it('refuses a stale version, a costlier replace without buying power, bad terms, and a second replace', () => {
    const events = working();
    expect(errorCode(given(events).when(replace('o1', 1, { limitPrice: '99.00' })))).toBe(DomainErrorCode.VersionMismatch);
    expect(errorCode(given(events).when(replace('o1', 2, { limitPrice: '200.01' })))).toBe(DomainErrorCode.InsufficientBuyingPower);
    expect(errorCode(given(events).when(replace('o1', 2, { stopPrice: '99.00' })))).toBe(DomainErrorCode.InvalidOrder);
    expect(errorCode(given(events).when(replace('o1', 2)))).toBe(DomainErrorCode.InvalidOrder);
    const requested = continueWith(events, replace('o1', 2, { limitPrice: '99.00' }));
    expect(errorCode(given(requested).when(replace('o1', 3, { limitPrice: '98.00' })))).toBe(DomainErrorCode.InvalidTransition);
    expect(errorCode(given(requested).when(cancel('o1')))).toBe(DomainErrorCode.InvalidTransition);
    expect(errorCode(given(events).when(confirmReplace('o1')))).toBe(DomainErrorCode.InvalidTransition);
    expect(errorCode(given(events).when(rejectReplace('o1')))).toBe(DomainErrorCode.InvalidTransition);
  });
  it('refuses a replace of a pending_new order and of a quantity already filled', () => {
    const placedOnly = continueWith(funded(), place('o1', { quantity: '10' }));
    expect(errorCode(given(placedOnly).when(replace('o1', 1, { limitPrice: '99.00' })))).toBe(DomainErrorCode.InvalidTransition);
    const partly = continueWith(working(), fill('o1', 'x1', '5', '100.00'));
    expect(errorCode(given(partly).when(replace('o1', 3, { quantity: '5' })))).toBe(DomainErrorCode.InvalidOrder);
  });
});

describe('ApplyFill', () => {
  const working = () => continueWith(funded('1000.00'), place('o1', { quantity: '3', limitPrice: '100.00' }), ack('o1'));
  it('releases the pro-rata reserve, debits the cost and credits a tax lot in one event', () => {
    const events = continueWith(working(), fill('o1', 'x1', '1', '99.995'));
    expect(dataOf(events.slice(-1))).toMatchObject({ releasedCash: '100.00', cash: '100.00', quantity: '1.000000', filledQuantity: '1.000000', completesOrder: false });
    const state = stateOf(events);
    expect(cashBuckets(state)).toMatchObject({ settled: '900.00', reserved: '200.00', buyingPower: '700.00' });
    expect(positions(state)).toEqual([expect.objectContaining({ symbol: 'AAPL', quantity: '1.000000', costBasis: '100.00', avgCost: '100.0000' })]);
  });
  it('releases the reserve exactly over uneven partial fills', () => {
    const events = continueWith(funded('1000.00'), place('o1', { quantity: '3', limitPrice: '33.33' }), ack('o1'), fill('o1', 'x1', '1', '33.00'), fill('o1', 'x2', '1', '33.00'), fill('o1', 'x3', '1', '33.00'));
    const releases = events.filter((e) => e.type === 'OrderFilled').map((e) => (e.data as { releasedCash: string }).releasedCash);
    expect(releases).toEqual(['33.33', '33.33', '33.33']);
    expect(cashBuckets(stateOf(events))).toMatchObject({ reserved: '0.00', settled: '901.00' });
    expect(orderView(stateOf(events), 'o1')).toMatchObject({ status: 'filled', avgFillPrice: '33.00', etag: 'v5' });
  });
  it('applies an ExecID once: the same fill again decides nothing', () => {
    const events = continueWith(working(), fill('o1', 'x1', '1', '100.00'));
    expect(given(events).when(fill('o1', 'x1', '1', '100.00'))).toEqual(E.right([]));
  });
  it('refuses an overfill and fills on a finished order', () => {
    const events = continueWith(working(), fill('o1', 'x1', '2', '100.00'));
    expect(errorCode(given(events).when(fill('o1', 'x2', '1.000001', '100.00')))).toBe(DomainErrorCode.FillExceedsOrder);
    const done = continueWith(events, fill('o1', 'x2', '1', '100.00'));
    expect(errorCode(given(done).when(fill('o1', 'x3', '1', '100.00')))).toBe(DomainErrorCode.FillExceedsOrder);
    const cancelled = continueWith(working(), cancel('o1'), confirmCancel('o1'));
    expect(errorCode(given(cancelled).when(fill('o1', 'x3', '1', '100.00')))).toBe(DomainErrorCode.InvalidTransition);
  });
  // A venue decimal that is not a decimal of its scale never reaches here: fix-gateway/fills/fill-terms.test.ts.
  it('refuses zero fills and fills of unknown orders', () => {
    expect(errorCode(given(working()).when(fill('o1', 'x1', '0', '100.00')))).toBe(DomainErrorCode.InvalidFill);
    expect(errorCode(given(working()).when(fill('o1', 'x1', '1', '0')))).toBe(DomainErrorCode.InvalidFill);
    expect(errorCode(given(working()).when(fill('nope', 'x1', '1', '100.00')))).toBe(DomainErrorCode.OrderNotFound);
  });
  it('debits the actual cost of a market buy filling above its collar, leaving buying power negative', () => {
    const events = continueWith(funded('1050.00'), place('m', { type: 'market', limitPrice: undefined, quantity: '10', referencePrice: '100.00' }), ack('m'), fill('m', 'x1', '10', '106.00'));
    expect(cashBuckets(stateOf(events))).toMatchObject({ settled: '-10.00', reserved: '0.00', buyingPower: '-10.00' });
    expect(errorCode(given(events).when(place('o2', { quantity: '0.01', limitPrice: '1.00' })))).toBe(DomainErrorCode.InsufficientBuyingPower);
  });
  it('sells FIFO lots, books realized P&L and credits unsettled cash that settles at T+1', () => {
    const bought = continueWith(
      funded('10000.00'),
      place('b1', { quantity: '10', limitPrice: '100.00' }),
      ack('b1'),
      fill('b1', 'x1', '10', '100.00'),
      place('b2', { quantity: '10', limitPrice: '120.00' }),
      ack('b2'),
      fill('b2', 'x2', '10', '120.00'),
    );
    expect(positions(stateOf(bought))[0]).toMatchObject({ quantity: '20.000000', avgCost: '110.0000', costBasis: '2200.00' });
    const sold = continueWith(bought, place('s1', { side: 'sell', quantity: '15', limitPrice: '130.00' }), ack('s1'), fill('s1', 'x3', '15', '130.00', T0 + 1000));
    expect(dataOf(sold.slice(-1))).toMatchObject({
      cash: '1950.00',
      releasedShares: '15.000000',
      lotsConsumed: [
        { lotId: 'x1', quantity: '10.000000', costBasis: '1000.00' },
        { lotId: 'x2', quantity: '5.000000', costBasis: '600.00' },
      ],
      realizedPnl: '350.00',
      settlesAtMs: T0 + 1000 + DAY_MS,
    });
    const state = stateOf(sold);
    expect(positions(state)[0]).toMatchObject({ quantity: '5.000000', costBasis: '600.00', avgCost: '120.0000', realizedPnl: '350.00' });
    expect(cashBuckets(state)).toMatchObject({ settled: '7800.00', unsettled: '1950.00', withdrawable: '7800.00', buyingPower: '9750.00' });
    expect(given(sold).when(settleTrades(T0 + 999 + DAY_MS))).toEqual(E.right([]));
    const settled = continueWith(sold, settleTrades(T0 + 1000 + DAY_MS));
    expect(dataOf(settled.slice(-1))).toMatchObject({ execIds: ['x3'], amount: '1950.00' });
    expect(cashBuckets(stateOf(settled))).toMatchObject({ settled: '9750.00', unsettled: '0.00' });
  });
});

describe('ids that are names on every object', () => {
  it('applies a fill whose ExecID is toString, and refuses an unknown order named constructor', () => {
    const past = history(open(), deposit('t1', '10000.00'), settleDeposit('t1'), place('o1'), ack('o1'));
    expect(eventsOf(given(past).when(fill('o1', 'toString', '1', '100.00'))).map((e) => e.type)).toEqual(['OrderFilled']);
    expect(errorCode(given(past).when(cancel('constructor')))).toBe('ORDER_NOT_FOUND');
  });
});
