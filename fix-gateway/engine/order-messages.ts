import type { OrderRecord } from '../../domain/account';
import { cancelClOrdIdOf, clOrdIdOf } from '../../domain/account/routing';
import type { FixOrdType, NewOrderSingle, OrderCancelReplaceRequest, OrderCancelRequest } from '../session/messages';

/**
 * The FIX messages for an order as the account stream holds it. The engine holds stops, so a venue only
 * ever sees what a stop became when it triggered: a stop a market order, a stop-limit a limit order.
 */
export const venueOrdType = (order: Pick<OrderRecord, 'orderType'>): Extract<FixOrdType, 'market' | 'limit'> =>
  order.orderType === 'limit' || order.orderType === 'stop_limit' ? 'limit' : 'market';

const priceOf = (order: Pick<OrderRecord, 'orderType'>, limitPrice: string | null) =>
  venueOrdType(order) === 'limit' && limitPrice !== null ? { price: limitPrice } : {};

export const newOrderSingle = (order: OrderRecord, clOrdId: string, atMs: number): NewOrderSingle => ({
  msgType: 'NewOrderSingle',
  clOrdId,
  symbol: order.symbol,
  side: order.side,
  ordType: venueOrdType(order),
  orderQty: order.quantity,
  ...priceOf(order, order.limitPrice),
  timeInForce: order.timeInForce,
  transactTimeMs: atMs,
});

export const cancelRequest = (order: OrderRecord, workingClOrdId: string, atMs: number): OrderCancelRequest => ({
  msgType: 'OrderCancelRequest',
  clOrdId: cancelClOrdIdOf(order.orderId),
  origClOrdId: workingClOrdId,
  symbol: order.symbol,
  side: order.side,
  orderQty: order.quantity,
  transactTimeMs: atMs,
});

/** The replace request for the order's pending replace: the n-th replace is ClOrdID `<orderId>.n`. */
export const replaceRequest = (order: OrderRecord, workingClOrdId: string, atMs: number): OrderCancelReplaceRequest | null => {
  const pending = order.pendingReplace;
  if (pending === null) return null;
  return {
    msgType: 'OrderCancelReplaceRequest',
    clOrdId: clOrdIdOf(order.orderId, order.replaceCount),
    origClOrdId: workingClOrdId,
    symbol: order.symbol,
    side: order.side,
    ordType: venueOrdType(order),
    orderQty: pending.quantity,
    ...priceOf(order, pending.limitPrice),
    timeInForce: order.timeInForce,
    transactTimeMs: atMs,
  };
};
