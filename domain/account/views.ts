import * as E from 'fp-ts/Either';
import { averagePrice, big, cashString, priceString, quantityString } from '../money';
import { etagOf, type OrderSide, type OrderStatus, type OrderType, type TimeInForce } from '../order/state-machine';
import { orderReservedCash, orderReservedShares } from './buying-power';
import type { PlaceOrderData } from './commands';
import { validatePlaceOrder } from './order-validation';
import { entry, type AccountState, type OrderRecord } from './state';

export type OrderView = {
  readonly orderId: string;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly type: OrderType;
  readonly status: OrderStatus;
  readonly quantity: string;
  readonly notional: string | null;
  readonly limitPrice: string | null;
  readonly stopPrice: string | null;
  readonly timeInForce: TimeInForce;
  readonly extendedHours: boolean;
  readonly filledQuantity: string;
  /** Null until the first fill; half-even to 4 dp. */
  readonly avgFillPrice: string | null;
  /** Cash reserved for a buy (replace hold included), '0.00' for a sell. */
  readonly reservedAmount: string;
  readonly reservedQuantity: string;
  readonly version: number;
  /** `v<version>`, for ETag / If-Match. */
  readonly etag: string;
  readonly pendingReplace: { readonly quantity: string; readonly limitPrice: string | null; readonly stopPrice: string | null } | null;
  readonly placedAtMs: number;
  readonly updatedAtMs: number;
};

export const orderView = (state: AccountState, orderId: string): OrderView | null => {
  if (state.status !== 'open') return null;
  const order = entry(state.orders, orderId);
  return order === undefined ? null : viewOfOrder(order);
};

/** The client's view of one order record (orderView without the lookup). */
export const viewOfOrder = (order: OrderRecord): OrderView => {
  const filled = big(order.filledQuantity);
  return {
    orderId: order.orderId,
    symbol: order.symbol,
    side: order.side,
    type: order.orderType,
    status: order.status,
    quantity: order.quantity,
    notional: order.notional,
    limitPrice: order.limitPrice,
    stopPrice: order.stopPrice,
    timeInForce: order.timeInForce,
    extendedHours: order.extendedHours,
    filledQuantity: order.filledQuantity,
    avgFillPrice: filled.gt(0) ? priceString(averagePrice(order.filledValue, filled)) : null,
    reservedAmount: cashString(orderReservedCash(order)),
    reservedQuantity: quantityString(orderReservedShares(order)),
    version: order.version,
    etag: etagOf(order.version),
    pendingReplace:
      order.pendingReplace === null
        ? null
        : { quantity: order.pendingReplace.quantity, limitPrice: order.pendingReplace.limitPrice, stopPrice: order.pendingReplace.stopPrice },
    placedAtMs: order.placedAtMs,
    updatedAtMs: order.updatedAtMs,
  };
};

/** The terms an order was placed with: the OrderPlaced event's fields (an OrderRecord has them too, until a replace). */
export type PlacementTerms = Pick<OrderRecord, 'symbol' | 'side' | 'orderType' | 'quantity' | 'notional' | 'limitPrice' | 'stopPrice' | 'timeInForce' | 'extendedHours'>;

/** Whether a PlaceOrder asks for exactly these terms (decimals compared after normalisation). */
export const matchesPlacement = (placed: PlacementTerms, data: PlaceOrderData): boolean => {
  const validated = validatePlaceOrder(data);
  if (E.isLeft(validated)) return false;
  const v = validated.right;
  return (
    v.symbol === placed.symbol &&
    v.side === placed.side &&
    v.orderType === placed.orderType &&
    v.notional === placed.notional &&
    (v.notional !== null || v.quantity === placed.quantity) &&
    v.limitPrice === placed.limitPrice &&
    v.stopPrice === placed.stopPrice &&
    v.timeInForce === placed.timeInForce &&
    v.extendedHours === placed.extendedHours
  );
};
