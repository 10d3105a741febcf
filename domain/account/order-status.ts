import { big } from '../money';
import type { OrderStatus } from '../order/state-machine';
import type { OrderRecord } from './state';

/** Where an order stands when a replace ends without filling it: submitted, or partially_filled once a fill came in. */
export const workingStatus = (order: OrderRecord): OrderStatus => (big(order.filledQuantity).gt(0) ? 'partially_filled' : 'submitted');

/**
 * The status after a fill: filled when it completes the order, whatever was in flight; a
 * partial fill keeps a pending cancel or replace pending, and otherwise makes it partially_filled.
 */
export const statusAfterFill = (order: OrderRecord, completes: boolean): OrderStatus => {
  if (completes) return 'filled';
  return order.status === 'pending_cancel' || order.status === 'pending_replace' ? order.status : 'partially_filled';
};
