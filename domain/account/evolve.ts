import { big, cashString, quantityString, ZERO } from '../money';
import { invariant } from '../invariant';
import { isTerminal, type OrderStatus } from '../order/state-machine';
import { orderReservedCash, orderReservedShares } from './buying-power';
import type { AccountEvent, EventDataOf } from './events';
import { RATE_ORDERS_PER_WINDOW_MAX, RATE_WINDOW_MS } from './limits';
import { clOrdIdOf } from './routing';
import { statusAfterFill, workingStatus } from './order-status';
import { applyConsumption } from './positions';
import { entry, withEntry, type AccountState, type OpenAccountState, type OrderRecord, type Position } from './state';

/**
 * Folds one recorded fact into the state. Total over histories decide can produce; an
 * impossible history (a fact about an order that does not exist, a release larger than the
 * reserve) is our bug and throws InvariantViolation.
 */
export const evolve = (state: AccountState, event: AccountEvent): AccountState => {
  if (event.type === 'AccountOpened') {
    invariant(state.status === 'none', 'AccountOpened on an account that is already open');
    return {
      status: 'open',
      accountId: event.data.accountId,
      email: event.data.email,
      openedAtMs: event.data.atMs,
      settledCash: '0.00',
      unsettled: [],
      deposits: {},
      withdrawals: {},
      holdsCash: '0.00',
      restricted: false,
      orders: {},
      positions: {},
      appliedExecIds: {},
      recentOrders: [],
    };
  }
  invariant(state.status === 'open', `${event.type} on an account that is not open`);
  return evolveOpen(state, event);
};

const plusCash = (a: string, b: string): string => cashString(big(a).plus(b));
const minusCash = (a: string, b: string): string => cashString(big(a).minus(b));

const evolveOpen = (state: OpenAccountState, event: Exclude<AccountEvent, { type: 'AccountOpened' }>): OpenAccountState => {
  switch (event.type) {
    case 'DepositInitiated': {
      const { transferId, amount, instantCredit, atMs } = event.data;
      invariant(entry(state.deposits, transferId) === undefined, `deposit ${transferId} initiated twice`);
      return { ...state, deposits: withEntry(state.deposits, transferId, { transferId, amount, instantCredit, status: 'pending', initiatedAtMs: atMs }) };
    }
    case 'DepositSettled': {
      const deposit = entry(state.deposits, event.data.transferId);
      invariant(deposit !== undefined && deposit.status === 'pending', `deposit ${event.data.transferId} settled while not pending`);
      return {
        ...state,
        settledCash: plusCash(state.settledCash, deposit.amount),
        deposits: withEntry(state.deposits, deposit.transferId, { ...deposit, status: 'settled' }),
        restricted: state.restricted && !event.data.restrictionLifted,
      };
    }
    case 'DepositReturned': {
      const deposit = entry(state.deposits, event.data.transferId);
      invariant(deposit !== undefined && deposit.status !== 'returned', `deposit ${event.data.transferId} returned twice`);
      return {
        ...state,
        settledCash: minusCash(state.settledCash, event.data.settledCashDebited),
        deposits: withEntry(state.deposits, deposit.transferId, { ...deposit, status: 'returned' }),
        restricted: event.data.accountRestricted,
      };
    }
    case 'FundsWithdrawn':
      invariant(entry(state.withdrawals, event.data.transferId) === undefined, `withdrawal ${event.data.transferId} applied twice`);
      return {
        ...state,
        settledCash: minusCash(state.settledCash, event.data.amount),
        withdrawals: withEntry(state.withdrawals, event.data.transferId, event.data.amount),
      };
    case 'OrderPlaced':
      return placeOrder(state, event.data);
    case 'OrderSubmitted':
      return updateOrder(state, event.data.orderId, event.data.atMs, (order) => ({ status: moveTo(order, 'submitted') }));
    case 'OrderCancelRequested':
      return updateOrder(state, event.data.orderId, event.data.atMs, (order) => ({ status: moveTo(order, 'pending_cancel') }));
    case 'OrderRejected':
      return endOrder(state, event.data, 'rejected');
    case 'OrderExpired':
      return endOrder(state, event.data, 'expired');
    case 'OrderCancelled':
      return endOrder(state, event.data, 'cancelled');
    case 'OrderReplaceRequested': {
      const { quantity, limitPrice, stopPrice, heldCash, heldShares } = event.data;
      return updateOrder(state, event.data.orderId, event.data.atMs, (order) => ({
        status: moveTo(order, 'pending_replace'),
        pendingReplace: { quantity, limitPrice, stopPrice, heldCash, heldShares },
        replaceCount: order.replaceCount + 1,
      }));
    }
    case 'OrderReplaced': {
      const { quantity, limitPrice, stopPrice, reservedCash, reservedShares } = event.data;
      return updateOrder(state, event.data.orderId, event.data.atMs, (order) => {
        invariant(order.pendingReplace !== null, `order ${order.orderId} replaced without a pending replace`);
        const done = big(quantity).eq(order.filledQuantity);
        // The venue now works the order under the replace request's ClOrdID (a held stop has no route yet).
        const route = order.route === null ? null : { ...order.route, clOrdId: clOrdIdOf(order.orderId, order.replaceCount) };
        return { quantity, limitPrice, stopPrice, reservedCash, reservedShares, pendingReplace: null, route, status: moveTo(order, done ? 'filled' : workingStatus(order)) };
      });
    }
    case 'OrderReplaceRejected':
      return updateOrder(state, event.data.orderId, event.data.atMs, (order) => {
        invariant(order.pendingReplace !== null, `order ${order.orderId} replace rejected without a pending replace`);
        invariant(big(event.data.releasedCash).eq(order.pendingReplace.heldCash), 'replace rejection releases a different hold');
        return { status: moveTo(order, workingStatus(order)), pendingReplace: null };
      });
    case 'OrderFilled':
      return applyFill(state, event.data);
    case 'OrderRouted': {
      // Routing is the engine's bookkeeping, not a change the client sees: the version (ETag) stays.
      const order = entry(state.orders, event.data.orderId);
      invariant(order !== undefined && order.route === null, `order ${event.data.orderId} routed twice or unknown`);
      return { ...state, orders: withEntry(state.orders, order.orderId, { ...order, route: { venue: event.data.venue, clOrdId: event.data.clOrdId } }) };
    }
    case 'TradesSettled': {
      const settled = new Set(event.data.execIds);
      const due = state.unsettled.filter((u) => settled.has(u.execId));
      invariant(due.length === settled.size, 'TradesSettled names proceeds that are not unsettled');
      return {
        ...state,
        settledCash: plusCash(state.settledCash, event.data.amount),
        unsettled: state.unsettled.filter((u) => !settled.has(u.execId)),
      };
    }
  }
};

const moveTo = (order: OrderRecord, to: OrderStatus): OrderStatus => {
  // The decider checked the same map; a recorded move outside it is an impossible history.
  invariant(!isTerminal(order.status), `order ${order.orderId} changed after it ended (${order.status} -> ${to})`);
  return to;
};

/** `change` gives the fields it changes: the record is copied once, with them and the new version, not twice. */
const updateOrder = (state: OpenAccountState, orderId: string, atMs: number, change: (order: OrderRecord) => Partial<OrderRecord>): OpenAccountState => {
  const order = entry(state.orders, orderId);
  invariant(order !== undefined, `event for unknown order ${orderId}`);
  return { ...state, orders: withEntry(state.orders, orderId, { ...order, ...change(order), version: order.version + 1, updatedAtMs: atMs }) };
};

const placeOrder = (state: OpenAccountState, data: EventDataOf<'OrderPlaced'>): OpenAccountState => {
  invariant(entry(state.orders, data.orderId) === undefined, `order ${data.orderId} placed twice`);
  const order: OrderRecord = {
    orderId: data.orderId,
    symbol: data.symbol,
    side: data.side,
    orderType: data.orderType,
    quantity: data.quantity,
    notional: data.notional,
    limitPrice: data.limitPrice,
    stopPrice: data.stopPrice,
    timeInForce: data.timeInForce,
    extendedHours: data.extendedHours,
    referencePrice: data.referencePrice,
    status: 'pending_new',
    version: 1,
    filledQuantity: quantityString(ZERO),
    filledValue: '0',
    reservedCash: data.reservedCash,
    reservedShares: data.reservedShares,
    pendingReplace: null,
    route: null,
    replaceCount: 0,
    placedAtMs: data.atMs,
    updatedAtMs: data.atMs,
  };
  // Keep only the rolling window, and never more entries than the limit it enforces.
  const recentOrders = [...state.recentOrders.filter((r) => r.atMs > data.atMs - RATE_WINDOW_MS), { atMs: data.atMs, orderValue: data.orderValue }].slice(
    -RATE_ORDERS_PER_WINDOW_MAX,
  );
  return { ...state, orders: withEntry(state.orders, order.orderId, order), recentOrders };
};

const endOrder = (state: OpenAccountState, data: { orderId: string; releasedCash: string; releasedShares: string; atMs: number }, to: OrderStatus): OpenAccountState =>
  updateOrder(state, data.orderId, data.atMs, (order) => {
    const reserved = orderReservedCash(order);
    // The message only on failure: writing the amount out costs as much as the check.
    if (!big(data.releasedCash).eq(reserved)) invariant(false, `order ${order.orderId} ended releasing ${data.releasedCash} of ${cashString(reserved)}`);
    invariant(big(data.releasedShares).eq(orderReservedShares(order)), `order ${order.orderId} ended releasing other shares than reserved`);
    return { status: moveTo(order, to), reservedCash: '0.00', reservedShares: quantityString(ZERO), pendingReplace: null };
  });

const emptyPosition = (symbol: string): Position => ({ symbol, quantity: quantityString(ZERO), lots: [], realizedPnl: '0.00' });

const applyFill = (state: OpenAccountState, data: EventDataOf<'OrderFilled'>): OpenAccountState => {
  invariant(entry(state.appliedExecIds, data.execId) === undefined, `exec ${data.execId} applied twice`);
  const withOrder = updateOrder(state, data.orderId, data.atMs, (order) => {
    const filledQuantity = big(order.filledQuantity).plus(data.quantity);
    invariant(filledQuantity.lte(order.quantity), `order ${order.orderId} filled beyond its quantity`);
    invariant(filledQuantity.eq(data.filledQuantity), `order ${order.orderId} fill count disagrees with its event`);
    const filledValue = big(order.filledValue).plus(big(data.price).times(data.quantity)).toString();
    if (data.completesOrder) {
      invariant(big(data.releasedCash).eq(orderReservedCash(order)), `completing fill of ${order.orderId} releases a different cash reserve`);
      invariant(big(data.releasedShares).eq(orderReservedShares(order)), `completing fill of ${order.orderId} releases different shares`);
      return { status: moveTo(order, 'filled'), filledQuantity: data.filledQuantity, filledValue, reservedCash: '0.00', reservedShares: quantityString(ZERO), pendingReplace: null };
    }
    const reservedCash = big(order.reservedCash).minus(data.releasedCash);
    const reservedShares = big(order.reservedShares).minus(data.releasedShares);
    invariant(reservedCash.gte(0) && reservedShares.gte(0), `fill of ${order.orderId} releases more than reserved`);
    return {
      status: moveTo(order, statusAfterFill(order, false)),
      filledQuantity: data.filledQuantity,
      filledValue,
      reservedCash: cashString(reservedCash),
      reservedShares: quantityString(reservedShares),
    };
  });
  const position = entry(withOrder.positions, data.symbol) ?? emptyPosition(data.symbol);
  const appliedExecIds = withEntry(withOrder.appliedExecIds, data.execId, data.orderId);
  if (data.side === 'buy') {
    const lot = { lotId: data.execId, quantity: data.quantity, costBasis: data.cash, acquiredAtMs: data.atMs };
    return {
      ...withOrder,
      appliedExecIds,
      settledCash: minusCash(withOrder.settledCash, data.cash),
      positions: { ...withOrder.positions, [data.symbol]: { ...position, quantity: quantityString(big(position.quantity).plus(data.quantity)), lots: [...position.lots, lot] } },
    };
  }
  const quantityLeft = big(position.quantity).minus(data.quantity);
  invariant(quantityLeft.gte(0), `sold more ${data.symbol} than held`);
  invariant(data.settlesAtMs !== null, 'a sale without a settlement time');
  return {
    ...withOrder,
    appliedExecIds,
    unsettled: [...withOrder.unsettled, { execId: data.execId, amount: data.cash, settlesAtMs: data.settlesAtMs }],
    positions: {
      ...withOrder.positions,
      [data.symbol]: {
        ...position,
        quantity: quantityString(quantityLeft),
        lots: applyConsumption(position.lots, data.lotsConsumed),
        realizedPnl: cashString(big(position.realizedPnl).plus(data.realizedPnl)),
      },
    },
  };
};
