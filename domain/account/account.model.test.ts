import * as E from 'fp-ts/Either';
import fc from 'fast-check';
import { asCash, asPrice, asQuantity, big, fillCash, sumBig, ZERO } from '../money';
import { MARKET_BUY_COLLAR_RATIO } from './limits';
import { unreservedShares } from './positions';
import { cashBuckets, orderReservedCash, orderReservedShares, reservedCashTotal } from './buying-power';
import type { AccountCommand } from './commands';
import { decide } from './decide';
import { DomainErrorCode } from './errors';
import { decodeAccountEvent, type AccountEvent } from './events';
import { evolve } from './evolve';
import { isTerminal } from '../order/state-machine';
import type { AccountState, OpenAccountState, OrderRecord } from './state';
import { initialState } from './state';
import { placeSpecArb, T0 } from './test-builders';

/**
 * Model-based property test: random command sequences against the decider, with an
 * independent ledger built from the events, checked after every step.
 */
// MODEL_RUNS / MODEL_STEPS let a longer hunt run locally; CI keeps the fast defaults.
const RUNS = Number.parseInt(process.env.MODEL_RUNS ?? '200', 10);
const STEPS_MAX = Number.parseInt(process.env.MODEL_STEPS ?? '40', 10);
const SYMBOLS = ['AAPL', 'MSFT'] as const;
const KNOWN_CODES = new Set<string>(Object.values(DomainErrorCode));

type Action =
  | { kind: 'deposit'; cents: number }
  | { kind: 'settleDeposit' | 'returnDeposit'; pick: number }
  | { kind: 'withdraw'; cents: number }
  | { kind: 'place'; side: 'buy' | 'sell'; type: 'market' | 'limit' | 'stop' | 'stop_limit'; symbol: number; micros: number; notionalCents: number | null; refTicks: number; limitPct: number; stopPct: number; tif: 'day' | 'gtc' | 'ioc' | 'fok'; ext: boolean }
  | { kind: 'ack' | 'cancel' | 'confirmCancel' | 'reject' | 'expire' | 'confirmReplace' | 'rejectReplace'; pick: number }
  | { kind: 'fill'; pick: number; portion: number; pricePct: number }
  | { kind: 'duplicateFill'; pick: number }
  | { kind: 'replace'; pick: number; stale: boolean; pricePct: number; qtyPct: number }
  | { kind: 'settleTrades' };

const pick = fc.nat({ max: 1000 });
const actionArb: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ kind: fc.constant('deposit' as const), cents: fc.integer({ min: 1, max: 500_000 }) }),
  fc.record({ kind: fc.constantFrom('settleDeposit' as const, 'returnDeposit' as const), pick }),
  fc.record({ kind: fc.constant('withdraw' as const), cents: fc.oneof(fc.integer({ min: 1, max: 300_000 }), fc.integer({ min: 1_500_000, max: 2_500_000 })) }),
  {
    weight: 4,
    arbitrary: placeSpecArb,
  },
  {
    weight: 5,
    arbitrary: fc.record({ kind: fc.constantFrom('ack' as const, 'cancel' as const, 'confirmCancel' as const, 'reject' as const, 'expire' as const, 'confirmReplace' as const, 'rejectReplace' as const), pick }),
  },
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('fill' as const), pick, portion: fc.integer({ min: 0, max: 5 }), pricePct: fc.integer({ min: 80, max: 115 }) }) },
  fc.record({ kind: fc.constant('duplicateFill' as const), pick }),
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('replace' as const), pick, stale: fc.integer({ min: 0, max: 4 }).map((n) => n === 0), pricePct: fc.integer({ min: 80, max: 130 }), qtyPct: fc.integer({ min: 50, max: 150 }) }) },
  fc.record({ kind: fc.constant('settleTrades' as const) }),
);
const stepArb = fc.record({ action: actionArb, advanceMs: fc.oneof(fc.integer({ min: 0, max: 30_000 }), fc.integer({ min: 0, max: 100_000_000 })) });

const ticks = (n: number) => big(String(n)).div(10_000);
const pctOf = (value: ReturnType<typeof big>, pct: number) => value.times(pct).div(100).round(4, 0);
const nth = <T>(items: readonly T[], index: number): T | undefined => (items.length === 0 ? undefined : items[index % items.length]);

/** The price per share a buy's reserve was computed at: fills at or under it are "within reserve". */
const reservePrice = (order: OrderRecord) => {
  if (order.orderType === 'limit' || order.orderType === 'stop_limit') return big(order.limitPrice ?? '0');
  const base = order.orderType === 'stop' ? (order.stopPrice ?? '0') : order.referencePrice;
  return big(base).times(big('1').plus(MARKET_BUY_COLLAR_RATIO));
};

const toCommand = (action: Action, state: OpenAccountState, atMs: number, seq: number, applied: readonly AccountCommand[]): AccountCommand | null => {
  const orders = Object.values(state.orders);
  const deposits = Object.keys(state.deposits);
  switch (action.kind) {
    case 'deposit':
      return { type: 'RequestDeposit', data: { transferId: `d${seq}`, amount: asCash(big(String(action.cents)).div(100).toFixed(2)), atMs } };
    case 'settleDeposit':
    case 'returnDeposit': {
      const transferId = nth(deposits, action.pick);
      if (transferId === undefined) return null;
      return action.kind === 'settleDeposit' ? { type: 'SettleDeposit', data: { transferId, atMs } } : { type: 'ReturnDeposit', data: { transferId, reason: 'R01', atMs } };
    }
    case 'withdraw':
      return { type: 'RequestWithdrawal', data: { transferId: `w${seq}`, amount: asCash(big(String(action.cents)).div(100).toFixed(2)), atMs } };
    case 'place': {
      const ref = ticks(action.refTicks);
      // Sells go to a symbol held, when there is one, and mostly sell part of the free shares.
      const heldSymbols = SYMBOLS.filter((s) => big(state.positions[s]?.quantity ?? '0').gt(0));
      const symbol = action.side === 'sell' && heldSymbols.length > 0 ? nth(heldSymbols, action.symbol)! : SYMBOLS[action.symbol]!;
      const held = unreservedShares(state, symbol);
      // Sells mostly sell some of what is held, so they fill and move shares.
      const micros = action.side === 'sell' && held.gt(0) && action.micros % 3 !== 0 ? held.times(action.micros % 100).div(100).round(6, 0) : big(String(action.micros)).div(1_000_000);
      const needsLimit = action.type === 'limit' || action.type === 'stop_limit';
      const needsStop = action.type === 'stop' || action.type === 'stop_limit';
      const useNotional = action.notionalCents !== null && action.type === 'market';
      return {
        type: 'PlaceOrder',
        data: {
          orderId: `o${seq}`,
          symbol,
          side: action.side,
          type: action.type,
          ...(useNotional ? { notional: asCash(big(String(action.notionalCents)).div(100).toFixed(2)) } : { quantity: asQuantity(micros.gt(0) ? micros.toFixed(6) : '0.000001') }),
          ...(needsLimit ? { limitPrice: asPrice(pctOf(ref, action.limitPct).toFixed(4)) } : {}),
          ...(needsStop ? { stopPrice: asPrice(pctOf(ref, action.stopPct).toFixed(4)) } : {}),
          timeInForce: action.tif,
          extendedHours: action.ext && action.tif !== 'ioc' && action.type === 'limit' ? true : action.ext && action.micros % 7 === 0,
          referencePrice: asPrice(ref.toFixed(4)),
          atMs,
        },
      };
    }
    case 'ack':
    case 'cancel':
    case 'confirmCancel':
    case 'reject':
    case 'expire':
    case 'confirmReplace':
    case 'rejectReplace': {
      const wanted = { ack: 'pending_new', confirmCancel: 'pending_cancel', confirmReplace: 'pending_replace', rejectReplace: 'pending_replace' } as Partial<Record<Action['kind'], string>>;
      const preferred = orders.filter((o) => (wanted[action.kind] === undefined ? !isTerminal(o.status) : o.status === wanted[action.kind]));
      const order = nth(preferred, action.pick) ?? nth(orders, action.pick);
      if (order === undefined) return null;
      const orderId = order.orderId;
      switch (action.kind) {
        case 'ack':
          return { type: 'AcknowledgeOrder', data: { orderId, venue: 'XNYS', atMs } };
        case 'cancel':
          return { type: 'RequestOrderCancel', data: { orderId, atMs } };
        case 'confirmCancel':
          return { type: 'ConfirmOrderCancel', data: { orderId, atMs } };
        case 'reject':
          return { type: 'RejectOrder', data: { orderId, reason: 'venue', atMs } };
        case 'expire':
          return { type: 'ExpireOrder', data: { orderId, atMs } };
        case 'confirmReplace':
          return { type: 'ConfirmOrderReplace', data: { orderId, atMs } };
        case 'rejectReplace':
          return { type: 'RejectOrderReplace', data: { orderId, reason: 'late', atMs } };
      }
      return null;
    }
    case 'fill': {
      const order = nth(orders.filter((o) => !isTerminal(o.status)), action.pick) ?? nth(orders, action.pick);
      if (order === undefined) return null;
      const open = big(order.quantity).minus(order.filledQuantity);
      const portions = [open, open.div(2).round(6, 0), open.div(3).round(6, 0), big('0.000001'), open.plus('0.000001'), open.times(7).div(10).round(6, 0)];
      const quantity = portions[action.portion]!;
      const basePrice = order.side === 'buy' ? reservePrice(order) : big(order.referencePrice);
      const price = pctOf(basePrice, action.pricePct);
      return {
        type: 'ApplyFill',
        data: { orderId: order.orderId, execId: `x${seq}`, quantity: asQuantity((quantity.gt(0) ? quantity : big('0.000001')).toFixed(6)), price: asPrice((price.gt(0) ? price : big('0.0001')).toFixed(4)), venue: 'XNYS', atMs },
      };
    }
    case 'duplicateFill': {
      const fills = applied.filter((c) => c.type === 'ApplyFill');
      return nth(fills, action.pick) ?? null;
    }
    case 'replace': {
      const order = nth(orders.filter((o) => !isTerminal(o.status)), action.pick);
      if (order === undefined) return null;
      const quantity = big(order.quantity).times(action.qtyPct).div(100).round(6, 0);
      return {
        type: 'RequestOrderReplace',
        data: {
          orderId: order.orderId,
          expectedVersion: action.stale ? order.version - 1 : order.version,
          ...(order.limitPrice !== null ? { limitPrice: asPrice(pctOf(big(order.limitPrice), action.pricePct).toFixed(4)) } : {}),
          ...(action.qtyPct % 2 === 0 && quantity.gt(0) ? { quantity: asQuantity(quantity.toFixed(6)) } : {}),
          atMs,
        },
      };
    }
    case 'settleTrades':
      return { type: 'SettleTrades', data: { upToMs: atMs, atMs } };
  }
};

/** Totals built from events alone, to check the state against. */
type Ledger = {
  cash: ReturnType<typeof big>;
  reservedCash: ReturnType<typeof big>;
  reservedShares: ReturnType<typeof big>;
  sharesBySymbol: Record<string, ReturnType<typeof big>>;
  buyCostBySymbol: Record<string, ReturnType<typeof big>>;
  basisSoldBySymbol: Record<string, ReturnType<typeof big>>;
  pnlBySymbol: Record<string, ReturnType<typeof big>>;
  execIds: Set<string>;
  buyFills: number;
  excused: boolean;
};

const newLedger = (): Ledger => ({
  cash: ZERO,
  reservedCash: ZERO,
  reservedShares: ZERO,
  sharesBySymbol: {},
  buyCostBySymbol: {},
  basisSoldBySymbol: {},
  pnlBySymbol: {},
  execIds: new Set(),
  buyFills: 0,
  excused: false,
});

const add = (record: Record<string, ReturnType<typeof big>>, key: string, value: ReturnType<typeof big> | string) => {
  record[key] = (record[key] ?? ZERO).plus(value);
};

const record = (ledger: Ledger, event: AccountEvent, before: OpenAccountState | null, command: AccountCommand): void => {
  switch (event.type) {
    case 'AccountOpened':
    case 'DepositInitiated':
    case 'OrderSubmitted':
    case 'OrderCancelRequested':
    case 'OrderRouted':
      return;
    case 'DepositSettled':
      ledger.cash = ledger.cash.plus(event.data.amount);
      return;
    case 'DepositReturned':
      ledger.cash = ledger.cash.minus(event.data.settledCashDebited);
      ledger.excused = true;
      return;
    case 'FundsWithdrawn':
      // Only settled cash that no pending buy has reserved leaves the account.
      expect(before !== null && big(before.settledCash).minus(event.data.amount).gte(reservedCashTotal(before))).toBe(true);
      ledger.cash = ledger.cash.minus(event.data.amount);
      return;
    case 'TradesSettled':
      return; // moves cash between buckets only
    case 'OrderPlaced':
      ledger.reservedCash = ledger.reservedCash.plus(event.data.reservedCash);
      ledger.reservedShares = ledger.reservedShares.plus(event.data.reservedShares);
      return;
    case 'OrderReplaceRequested':
      ledger.reservedCash = ledger.reservedCash.plus(event.data.heldCash);
      ledger.reservedShares = ledger.reservedShares.plus(event.data.heldShares);
      return;
    case 'OrderReplaced': {
      const order = before?.orders[event.data.orderId];
      if (order === undefined) throw new Error('replaced an unknown order');
      ledger.reservedCash = ledger.reservedCash.minus(orderReservedCash(order)).plus(event.data.reservedCash);
      ledger.reservedShares = ledger.reservedShares.minus(orderReservedShares(order)).plus(event.data.reservedShares);
      return;
    }
    case 'OrderReplaceRejected':
    case 'OrderCancelled':
    case 'OrderRejected':
    case 'OrderExpired':
      ledger.reservedCash = ledger.reservedCash.minus(event.data.releasedCash);
      ledger.reservedShares = ledger.reservedShares.minus(event.data.releasedShares);
      return;
    case 'OrderFilled': {
      const d = event.data;
      expect(ledger.execIds.has(d.execId)).toBe(false);
      ledger.execIds.add(d.execId);
      expect(command.type === 'ApplyFill' && big(d.cash).eq(fillCash(command.data.price, command.data.quantity))).toBe(true);
      ledger.reservedCash = ledger.reservedCash.minus(d.releasedCash);
      ledger.reservedShares = ledger.reservedShares.minus(d.releasedShares);
      if (d.side === 'buy') {
        ledger.cash = ledger.cash.minus(d.cash);
        add(ledger.sharesBySymbol, d.symbol, d.quantity);
        add(ledger.buyCostBySymbol, d.symbol, d.cash);
        ledger.buyFills += 1;
        const order = before?.orders[d.orderId];
        if (order !== undefined && big(d.price).gt(reservePrice(order))) ledger.excused = true;
      } else {
        ledger.cash = ledger.cash.plus(d.cash);
        add(ledger.sharesBySymbol, d.symbol, big(d.quantity).neg());
        const basis = sumBig(d.lotsConsumed.map((l) => l.costBasis));
        add(ledger.basisSoldBySymbol, d.symbol, basis);
        add(ledger.pnlBySymbol, d.symbol, big(d.cash).minus(basis));
        expect(sumBig(d.lotsConsumed.map((l) => l.quantity)).eq(d.quantity)).toBe(true);
      }
      return;
    }
  }
};

const checkInvariants = (state: OpenAccountState, ledger: Ledger): void => {
  const buckets = cashBuckets(state)!;
  // Cash is conserved: every cent in is a settled deposit or sale, every cent out a withdrawal, return or buy.
  expect(big(buckets.settled).plus(buckets.unsettled).toFixed(2)).toBe(ledger.cash.toFixed(2));
  // Reserves: the ledger of reserves and releases equals what open orders still hold.
  const open = Object.values(state.orders).filter((o) => !isTerminal(o.status));
  expect(buckets.reserved).toBe(ledger.reservedCash.toFixed(2));
  expect(sumBig(open.map(orderReservedShares)).toFixed(6)).toBe(ledger.reservedShares.toFixed(6));
  for (const order of Object.values(state.orders)) {
    expect(big(order.reservedCash).gte(0) && big(order.reservedShares).gte(0)).toBe(true);
    expect(big(order.filledQuantity).lte(order.quantity)).toBe(true);
    if (isTerminal(order.status)) expect([order.reservedCash, order.reservedShares, order.pendingReplace]).toEqual(['0.00', '0.000000', null]);
  }
  // Shares are conserved per symbol, lots add up, cost basis is conserved, and sells never take more than held.
  for (const symbol of SYMBOLS) {
    const position = state.positions[symbol];
    const held = big(position?.quantity ?? '0');
    expect(held.toFixed(6)).toBe((ledger.sharesBySymbol[symbol] ?? ZERO).toFixed(6));
    expect(held.gte(0)).toBe(true);
    expect(sumBig((position?.lots ?? []).map((l) => l.quantity)).eq(held)).toBe(true);
    const basisHeld = sumBig((position?.lots ?? []).map((l) => l.costBasis));
    expect(basisHeld.plus(ledger.basisSoldBySymbol[symbol] ?? ZERO).toFixed(2)).toBe((ledger.buyCostBySymbol[symbol] ?? ZERO).toFixed(2));
    expect(big(position?.realizedPnl ?? '0').toFixed(2)).toBe((ledger.pnlBySymbol[symbol] ?? ZERO).toFixed(2));
    const reservedForSale = sumBig(open.filter((o) => o.symbol === symbol && o.side === 'sell').map(orderReservedShares));
    expect(reservedForSale.lte(held)).toBe(true);
  }
  expect(state.unsettled.every((u) => big(u.amount).gte(0))).toBe(true);
  expect(state.recentOrders.length).toBeLessThanOrEqual(60);
  // Buying power stays non-negative but for ACH returns, fills above the reserve price, and a cent of rounding per buy fill.
  if (!ledger.excused) expect(big(buckets.buyingPower).gte(big('-0.01').times(ledger.buyFills))).toBe(true);
  // A snapshot is the state: JSON round trip unchanged.
  expect(JSON.parse(JSON.stringify(state))).toEqual(state);
};

const seen = new Map<string, number>();
const count = (key: string) => seen.set(key, (seen.get(key) ?? 0) + 1);

const apply = (state: AccountState, command: AccountCommand, ledger: Ledger, log: AccountCommand[]): AccountState => {
  const decision = decide(command, state);
  count(E.isLeft(decision) ? decision.left.code : `${command.type}:${decision.right.length}`);
  for (const event of E.isRight(decision) ? decision.right : []) count(event.type + (event.type === 'OrderFilled' ? `:${event.data.side}:${event.data.completesOrder}` : ''));
  if (E.isLeft(decision)) {
    expect(KNOWN_CODES.has(decision.left.code)).toBe(true);
    return state;
  }
  log.push(command);
  let next = state;
  for (const event of decision.right) {
    expect(decodeAccountEvent(event.type, JSON.parse(JSON.stringify(event.data)))).toEqual(E.right(event));
    record(ledger, event, next.status === 'open' ? next : null, command);
    next = evolve(next, event);
  }
  return next;
};

/** End every open order the way the venue would, so no reserve can linger. */
const endEverything = (state: OpenAccountState, atMs: number): AccountCommand[] =>
  Object.values(state.orders)
    .filter((o) => !isTerminal(o.status))
    .flatMap((o): AccountCommand[] =>
      o.status === 'pending_cancel'
        ? [{ type: 'ConfirmOrderCancel', data: { orderId: o.orderId, atMs } }]
        : o.status === 'pending_replace'
          ? [{ type: 'RejectOrderReplace', data: { orderId: o.orderId, reason: 'end', atMs } }, { type: 'ExpireOrder', data: { orderId: o.orderId, atMs } }]
          : [{ type: 'ExpireOrder', data: { orderId: o.orderId, atMs } }],
    );

describe('account decider, model-based', () => {
  it('keeps cash, shares and reserves conserved over random command sequences', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 10, maxLength: STEPS_MAX }), (steps) => {
        const ledger = newLedger();
        const log: AccountCommand[] = [];
        let atMs = T0;
        let state = apply(initialState, { type: 'OpenAccount', data: { accountId: 'acc', email: 'a@b.c', atMs } }, ledger, log);
        state = apply(state, { type: 'RequestDeposit', data: { transferId: 'seed', amount: asCash('20000.00'), atMs } }, ledger, log);
        state = apply(state, { type: 'SettleDeposit', data: { transferId: 'seed', atMs } }, ledger, log);
        steps.forEach(({ action, advanceMs }, seq) => {
          atMs += advanceMs;
          if (state.status !== 'open') throw new Error('account closed');
          const command = toCommand(action, state, atMs, seq, log);
          if (command === null) return;
          const before = state;
          state = apply(state, command, ledger, log);
          if (action.kind === 'duplicateFill') expect(state).toBe(before);
          if (state.status === 'open') checkInvariants(state, ledger);
        });
        if (state.status !== 'open') throw new Error('account closed');
        for (const command of endEverything(state, atMs + 1)) state = apply(state, command, ledger, log);
        if (state.status !== 'open') throw new Error('account closed');
        checkInvariants(state, ledger);
        expect(cashBuckets(state)?.reserved).toBe('0.00');
        expect(ledger.reservedShares.eq(0) && ledger.reservedCash.eq(0)).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });
});
afterAll(() => {
  if (process.env.MODEL_COVERAGE === '1') console.log([...seen.entries()].sort());
});
