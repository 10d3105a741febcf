import * as E from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import { big, cashString, quantityString, sumBig } from '../money';
import { canTransition, type OrderStatus } from '../order/state-machine';
import { buyingPowerBig, orderReservedCash, orderReservedShares } from './buying-power';
import { insufficientBuyingPower } from './buying-power-precheck';
import type { CommandOf } from './commands';
import { DomainErrorCode, fail, type DomainError } from './errors';
import { accountEvent, type AccountEvent } from './events';
import { POSITION_LIMIT_CASH, RATE_NOTIONAL_PER_WINDOW_CASH, RATE_ORDERS_PER_WINDOW_MAX, RATE_WINDOW_MS } from './limits';
import { validatePlaceOrder, type ValidatedOrder } from './order-validation';
import { heldShares, unreservedShares } from './positions';
import { orderValueOf, reserveFor } from './reserve';
import { entry, type OpenAccountState, type OrderRecord } from './state';

type Decision = E.Either<DomainError, AccountEvent[]>;

export const findOrder = (state: OpenAccountState, orderId: string): E.Either<DomainError, OrderRecord> => {
  const order = entry(state.orders, orderId);
  return order === undefined ? fail(DomainErrorCode.OrderNotFound, `no order ${orderId}`, 'orderId') : E.right(order);
};

/**
 * Self-transitions in the map exist for fills only (a partial fill keeps pending_cancel); a
 * second cancel or replace request while one is pending is refused.
 */
export const refuseUnlessTransition = (order: OrderRecord, to: OrderStatus, selfAllowed = false): E.Either<DomainError, OrderRecord> =>
  canTransition(order.status, to) && (selfAllowed || order.status !== to)
    ? E.right(order)
    : fail(DomainErrorCode.InvalidTransition, `order ${order.orderId} cannot go from ${order.status} to ${to}`, 'status');

/** Orders inside the rolling window that ends at `atMs`. */
const ordersInWindow = (state: OpenAccountState, atMs: number) => state.recentOrders.filter((r) => r.atMs > atMs - RATE_WINDOW_MS);

const checkRisk = (order: ValidatedOrder, state: OpenAccountState): E.Either<DomainError, { reservedCash: string; reservedShares: string; orderValue: string }> => {
  const reserve = reserveFor(order, big(order.quantity));
  const orderValue = orderValueOf(order);
  if (order.side === 'buy') {
    if (state.restricted) return fail(DomainErrorCode.AccountRestricted, 'account is restricted: buys are refused until it is funded');
    const buyingPower = buyingPowerBig(state);
    if (reserve.cash.gt(buyingPower)) {
      return E.left(insufficientBuyingPower(reserve.cash, buyingPower));
    }
    const positionValue = heldShares(state, order.symbol).times(order.referencePrice).plus(orderValue);
    if (positionValue.gt(POSITION_LIMIT_CASH)) return fail(DomainErrorCode.PositionLimitExceeded, `${order.symbol} position would exceed ${POSITION_LIMIT_CASH}`);
  } else {
    const available = unreservedShares(state, order.symbol);
    if (order.notional !== null && big(order.quantity).gt(heldShares(state, order.symbol))) {
      return fail(DomainErrorCode.InvalidOrder, `notional sell is more than the ${order.symbol} shares held`, 'notional');
    }
    if (big(order.quantity).gt(available)) return fail(DomainErrorCode.InsufficientShares, `only ${quantityString(available)} ${order.symbol} shares are free to sell`, 'quantity');
  }
  const window = ordersInWindow(state, order.atMs);
  if (window.length >= RATE_ORDERS_PER_WINDOW_MAX) return fail(DomainErrorCode.RateLimitExceeded, `more than ${RATE_ORDERS_PER_WINDOW_MAX} orders a minute`);
  if (sumBig(window.map((r) => r.orderValue)).plus(orderValue).gt(RATE_NOTIONAL_PER_WINDOW_CASH)) {
    return fail(DomainErrorCode.RateLimitExceeded, `more than ${RATE_NOTIONAL_PER_WINDOW_CASH} of orders a minute`);
  }
  return E.right({ reservedCash: cashString(reserve.cash), reservedShares: quantityString(reserve.shares), orderValue: cashString(orderValue) });
};

/** A repeat of an existing orderId is DUPLICATE_ORDER; `orderView(state, orderId)` gives the order to answer a replay with. */
export const decidePlaceOrder = ({ data }: CommandOf<'PlaceOrder'>, state: OpenAccountState): Decision => {
  if (entry(state.orders, data.orderId) !== undefined) return fail(DomainErrorCode.DuplicateOrder, `order ${data.orderId} already exists`, 'orderId');
  // A market order outside the regular session would meet thin books and wide spreads: refused, not queued.
  const session = data.marketSession ?? 'regular';
  if (data.type === 'market' && session !== 'regular') return fail(DomainErrorCode.MarketClosed, `market orders are taken in the regular session only; the market is ${session.replace('_', ' ')}`, 'type');
  return pipe(
    validatePlaceOrder(data),
    E.bindTo('order'),
    E.bind('risk', ({ order }) => checkRisk(order, state)),
    E.map(({ order, risk }) => [
      accountEvent('OrderPlaced', {
        orderId: order.orderId,
        symbol: order.symbol,
        side: order.side,
        orderType: order.orderType,
        quantity: order.quantity,
        notional: order.notional,
        limitPrice: order.limitPrice,
        stopPrice: order.stopPrice,
        timeInForce: order.timeInForce,
        extendedHours: order.extendedHours,
        referencePrice: order.referencePrice,
        orderValue: risk.orderValue,
        reservedCash: risk.reservedCash,
        reservedShares: risk.reservedShares,
        atMs: order.atMs,
      }),
    ]),
  );
};

export const decideRequestOrderCancel = ({ data }: CommandOf<'RequestOrderCancel'>, state: OpenAccountState): Decision =>
  pipe(
    findOrder(state, data.orderId),
    E.chain((order) => refuseUnlessTransition(order, 'pending_cancel')),
    E.map((order) => [accountEvent('OrderCancelRequested', { orderId: order.orderId, atMs: data.atMs })]),
  );

export const decideAcknowledgeOrder = ({ data }: CommandOf<'AcknowledgeOrder'>, state: OpenAccountState): Decision =>
  pipe(
    findOrder(state, data.orderId),
    E.chain((order) => refuseUnlessTransition(order, 'submitted')),
    E.chain((order) => (order.status === 'pending_new' ? E.right(order) : fail<OrderRecord>(DomainErrorCode.InvalidTransition, `order ${order.orderId} is ${order.status}`, 'status'))),
    E.map((order) => [accountEvent('OrderSubmitted', { orderId: order.orderId, venue: String(data.venue), atMs: data.atMs })]),
  );

/** Everything still reserved by the order, replace hold included, is released exactly. */
const releaseAll = (order: OrderRecord) => ({
  releasedCash: cashString(orderReservedCash(order)),
  releasedShares: quantityString(orderReservedShares(order)),
});

export const decideConfirmOrderCancel = ({ data }: CommandOf<'ConfirmOrderCancel'>, state: OpenAccountState): Decision =>
  pipe(
    findOrder(state, data.orderId),
    E.chain((order) => refuseUnlessTransition(order, 'cancelled')),
    E.map((order) => [accountEvent('OrderCancelled', { orderId: order.orderId, ...releaseAll(order), atMs: data.atMs })]),
  );

export const decideRejectOrder = ({ data }: CommandOf<'RejectOrder'>, state: OpenAccountState): Decision =>
  pipe(
    findOrder(state, data.orderId),
    E.chain((order) => refuseUnlessTransition(order, 'rejected')),
    E.map((order) => [accountEvent('OrderRejected', { orderId: order.orderId, reason: String(data.reason), ...releaseAll(order), atMs: data.atMs })]),
  );

/** Day-end expiry, and the venue's unsolicited cancel of an ioc/fok remainder. */
export const decideExpireOrder = ({ data }: CommandOf<'ExpireOrder'>, state: OpenAccountState): Decision =>
  pipe(
    findOrder(state, data.orderId),
    E.chain((order) => refuseUnlessTransition(order, 'expired')),
    E.map((order) => [accountEvent('OrderExpired', { orderId: order.orderId, ...releaseAll(order), atMs: data.atMs })]),
  );
