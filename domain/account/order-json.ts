import type { OrderView } from './views';

/** The wire shape of an order (snake_case, decimal strings), as `GET /v1/orders/{id}` answers it. */
export const orderJson = (view: OrderView) => ({
  order_id: view.orderId,
  symbol: view.symbol,
  side: view.side,
  type: view.type,
  status: view.status,
  quantity: view.quantity,
  notional: view.notional,
  limit_price: view.limitPrice,
  stop_price: view.stopPrice,
  time_in_force: view.timeInForce,
  extended_hours: view.extendedHours,
  filled_quantity: view.filledQuantity,
  filled_qty: view.filledQuantity,
  avg_fill_price: view.avgFillPrice,
  reserved_amount: view.reservedAmount,
  reserved_quantity: view.reservedQuantity,
  etag: view.etag,
  pending_replace: view.pendingReplace === null ? null : {
    quantity: view.pendingReplace.quantity, limit_price: view.pendingReplace.limitPrice, stop_price: view.pendingReplace.stopPrice,
  },
  created_at: new Date(view.placedAtMs).toISOString(),
  updated_at: new Date(view.updatedAtMs).toISOString(),
});

export const etagHeader = (etag: string): string => `"${etag}"`;
