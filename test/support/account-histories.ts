import { randomUUID } from 'node:crypto';
import * as E from 'fp-ts/Either';
import fc from 'fast-check';
import { decide, evolve, initialState, isTerminal, type AccountCommand, type AccountEvent, type AccountState } from '../../domain/account';
import { asCash, asPrice, asQuantity, type Quantity } from '../../domain/money';

/**
 * Random account histories for property tests: intents (what a client, the venue or a job might do next)
 * interpreted against the state the decider folds, so every history is one the decider accepts.
 */
export const T0 = Date.UTC(2026, 10, 24, 15, 0, 0);
export const SYMBOLS = ['AAPL', 'MSFT', 'NVDA'] as const;

/** What a client, the venue or a job might do next; interpreted against the state, refused intents are skipped like refused commands. */
export type Intent =
  | { kind: 'deposit'; cents: number } | { kind: 'settle'; pick: number } | { kind: 'withdraw'; cents: number }
  | { kind: 'buy'; symbol: number; micros: number; priceCents: number } | { kind: 'sell'; symbol: number; pct: number }
  | { kind: 'ack' | 'cancel' | 'confirmCancel' | 'expire'; pick: number } | { kind: 'fill'; pick: number; pct: number; pricePct: number } | { kind: 'settleTrades' };

const pick = fc.nat({ max: 100 });
export const intentArb: fc.Arbitrary<Intent> = fc.oneof(
  fc.record({ kind: fc.constant('deposit' as const), cents: fc.integer({ min: 100, max: 300_000 }) }),
  fc.record({ kind: fc.constant('settle' as const), pick }),
  fc.record({ kind: fc.constant('withdraw' as const), cents: fc.integer({ min: 100, max: 100_000 }) }),
  fc.record({ kind: fc.constant('buy' as const), symbol: fc.nat({ max: 2 }), micros: fc.integer({ min: 1, max: 20_000_000 }), priceCents: fc.integer({ min: 1_000, max: 30_000 }) }),
  fc.record({ kind: fc.constant('sell' as const), symbol: fc.nat({ max: 2 }), pct: fc.integer({ min: 1, max: 100 }) }),
  fc.record({ kind: fc.constantFrom('ack' as const, 'cancel' as const, 'confirmCancel' as const, 'expire' as const), pick }),
  fc.record({ kind: fc.constant('fill' as const), pick, pct: fc.integer({ min: 1, max: 100 }), pricePct: fc.integer({ min: 90, max: 105 }) }),
  fc.constant({ kind: 'settleTrades' as const }),
);

export const openOrderIds = (state: AccountState): string[] => (state.status === 'open' ? Object.values(state.orders).filter((o) => !isTerminal(o.status)).map((o) => o.orderId).sort() : []);
const micros = (value: number): Quantity => asQuantity((value / 1e6).toFixed(6));

export const commandOf = (intent: Intent, state: AccountState, accountId: string, atMs: number): AccountCommand | null => {
  if (state.status !== 'open') return { type: 'OpenAccount', data: { accountId, email: `${accountId}@example.com`, atMs } };
  const orders = openOrderIds(state);
  const pending = Object.values(state.deposits).filter((d) => d.status === 'pending').map((d) => d.transferId).sort();
  switch (intent.kind) {
    case 'deposit': return { type: 'RequestDeposit', data: { transferId: randomUUID(), amount: asCash((intent.cents / 100).toFixed(2)), atMs } };
    case 'settle': return pending.length === 0 ? null : { type: 'SettleDeposit', data: { transferId: pending[intent.pick % pending.length]!, atMs } };
    case 'withdraw': return { type: 'RequestWithdrawal', data: { transferId: randomUUID(), amount: asCash((intent.cents / 100).toFixed(2)), atMs } };
    case 'buy': {
      const price = asPrice((intent.priceCents / 100).toFixed(2));
      return { type: 'PlaceOrder', data: { orderId: randomUUID(), symbol: SYMBOLS[intent.symbol]!, side: 'buy', type: 'limit', quantity: micros(intent.micros), limitPrice: price, timeInForce: 'gtc', extendedHours: false, referencePrice: price, atMs } };
    }
    case 'sell': {
      const held = state.positions[SYMBOLS[intent.symbol]!];
      if (held === undefined) return null;
      const quantity = Math.floor((Number(held.quantity) * 1e6 * intent.pct) / 100);
      return quantity < 1 ? null : { type: 'PlaceOrder', data: { orderId: randomUUID(), symbol: held.symbol, side: 'sell', type: 'limit', quantity: micros(quantity), limitPrice: asPrice('100.00'), timeInForce: 'gtc', extendedHours: false, referencePrice: asPrice('100.00'), atMs } };
    }
    case 'ack': case 'cancel': case 'confirmCancel': case 'expire': {
      if (orders.length === 0) return null;
      const orderId = orders[intent.pick % orders.length]!;
      const type = ({ ack: 'AcknowledgeOrder', cancel: 'RequestOrderCancel', confirmCancel: 'ConfirmOrderCancel', expire: 'ExpireOrder' } as const)[intent.kind];
      return type === 'AcknowledgeOrder' ? { type, data: { orderId, venue: 'SIM', atMs } } : { type, data: { orderId, atMs } };
    }
    case 'fill': {
      if (orders.length === 0) return null;
      const order = state.orders[orders[intent.pick % orders.length]!]!;
      const left = Math.round((Number(order.quantity) - Number(order.filledQuantity)) * 1e6);
      const quantity = Math.max(1, Math.floor((left * intent.pct) / 100));
      const price = asPrice(((Number(order.limitPrice ?? order.referencePrice) * intent.pricePct) / 100).toFixed(2));
      return { type: 'ApplyFill', data: { orderId: order.orderId, execId: randomUUID(), quantity: micros(Math.min(quantity, left)), price, venue: 'SIM', atMs } };
    }
    case 'settleTrades': return { type: 'SettleTrades', data: { upToMs: atMs, atMs } };
  }
};

/** One account's history: the decider's events for the intents it accepts, and its state after them. */
export const historyOf = (accountId: string, intents: readonly Intent[]): { events: AccountEvent[]; state: AccountState } => {
  let state: AccountState = initialState;
  const events: AccountEvent[] = [];
  let atMs = T0;
  for (const intent of [{ kind: 'deposit', cents: 1 } as Intent, ...intents]) {
    atMs += 3_600_000;
    const command = commandOf(intent, state, accountId, atMs);
    if (command === null) continue;
    const decision = decide(command, state);
    if (E.isLeft(decision)) continue;
    for (const event of decision.right) { state = evolve(state, event); events.push(event); }
  }
  return { events, state };
};
