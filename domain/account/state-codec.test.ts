import * as E from 'fp-ts/Either';
import { AccountStateCodec } from './state-codec';
import type { AccountState, OpenAccountState } from './state';
import {
  ack, cancel, deposit, fill, history, open, place, replace, returnDeposit, settleDeposit, settleTrades, stateOf, T0, withdraw,
} from './test-builders';

/** What a snapshot holds: the state through JSON and back. */
const stored = (state: AccountState): unknown => JSON.parse(JSON.stringify(state));

const DAY_MS = 24 * 60 * 60 * 1000;

// Every part of the state filled: deposits in each status, a withdrawal, open and filled orders, a
// pending replace, a position with lots and realized P&L, unsettled proceeds, the rate window.
const richState = (): OpenAccountState => {
  const state = stateOf(history(
    open(),
    deposit('d1', '900.00'), settleDeposit('d1'), deposit('d2', '50.00'), deposit('d3', '10.00'), returnDeposit('d3'),
    deposit('d4', '5000.00'), settleDeposit('d4'),
    withdraw('w1', '25.00'),
    place('b1', { quantity: '10', limitPrice: '100.00' }), ack('b1'), fill('b1', 'x1', '4', '99.50'), fill('b1', 'x2', '6', '100.00'),
    place('s1', { side: 'sell', quantity: '3', limitPrice: '101.00' }), ack('s1'), fill('s1', 'x3', '3', '101.25'),
    place('b2', { quantity: '1.5', limitPrice: '50.00' }), ack('b2'), replace('b2', 2, { limitPrice: '51.00' }),
    place('b3', { type: 'market', limitPrice: undefined, quantity: undefined, notional: '20.00' }), cancel('b3'),
    settleTrades(T0 + DAY_MS),
  ));
  if (state.status !== 'open') throw new Error('setup: account not open');
  return state;
};

describe('the account state codec (snapshots)', () => {
  it('reads back every state the decider writes, unchanged', () => {
    const state = richState();
    expect(Object.keys(state.orders).length).toBeGreaterThan(3);
    expect(Object.keys(state.positions)).toEqual(['AAPL']);
    expect(Object.values(state.orders).some((order) => order.pendingReplace !== null)).toBe(true);
    expect(AccountStateCodec.decode(stored(state))).toEqual(E.right(state));
    expect(AccountStateCodec.decode(stored(stateOf([])))).toEqual(E.right({ status: 'none' }));
  });

  it('refuses a state with a field of the wrong kind, missing, or outside its values', () => {
    const state = stored(richState()) as { orders: Record<string, Record<string, unknown>>; settledCash: unknown; restricted?: unknown };
    const firstOrder = (s: typeof state) => Object.values(s.orders)[0]!;
    const damaged: ReadonlyArray<(s: typeof state) => void> = [
      (s) => { s.settledCash = 1000; },
      (s) => { s.settledCash = '1e3'; },
      (s) => { delete s.restricted; },
      (s) => { firstOrder(s).status = 'lost'; },
      (s) => { firstOrder(s).quantity = 10; },
      (s) => { firstOrder(s).placedAtMs = 'yesterday'; },
    ];
    for (const damage of damaged) {
      const copy = JSON.parse(JSON.stringify(state)) as typeof state;
      damage(copy);
      expect(E.isLeft(AccountStateCodec.decode(copy))).toBe(true);
    }
    expect(E.isLeft(AccountStateCodec.decode('{"status":"open"}'))).toBe(true);
    expect(E.isLeft(AccountStateCodec.decode(null))).toBe(true);
  });

  it('drops fields the state does not have', () => {
    const state = richState();
    expect(AccountStateCodec.decode({ ...(stored(state) as object), injected: true })).toEqual(E.right(state));
  });
});
