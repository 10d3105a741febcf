import * as E from 'fp-ts/Either';
import { decodeAccountEvent, orderView, type AccountState } from '../../domain/account';
import type { OrderStatus } from '../../domain/order/state-machine';
import type { EventStore, RecordedEvent } from '../../infrastructure/event-store/port';
import { createAccountStates } from './account-states';
import type { OrderUpdateMapper } from './publish';

/**
 * The seed's order message on the `orders` channel: `{ channel, order_id, status, avg_fill_price, ... }`
 * with decimal strings. Status, filled quantity and average fill price are the order's after the event.
 */
export type OrderUpdateMessage = {
  readonly channel: 'orders';
  readonly order_id: string;
  readonly status: OrderStatus;
  readonly symbol: string;
  readonly filled_qty: string;
  readonly avg_fill_price: string | null;
  readonly fill_quantity?: string;
  readonly fill_price?: string;
  readonly filled_quantity?: string;
  readonly position: string;
  readonly ts: string;
};

const ACCOUNT_STREAM_PREFIX = 'account-';

/** The account event types that produce an order update, for a filtered subscription. */
export const ORDER_UPDATE_EVENT_TYPES: readonly string[] = [
  'OrderPlaced', 'OrderSubmitted', 'OrderRejected', 'OrderExpired', 'OrderCancelRequested', 'OrderCancelled',
  'OrderReplaceRequested', 'OrderReplaced', 'OrderReplaceRejected', 'OrderFilled',
];
const updating = new Set(ORDER_UPDATE_EVENT_TYPES);

/** Whether a recorded event becomes an order update (so the account's state is worth folding for it). */
export const isOrderUpdateEvent = (recorded: RecordedEvent): boolean =>
  recorded.streamId.startsWith(ACCOUNT_STREAM_PREFIX) && updating.has(recorded.type);

/**
 * Turns a recorded account event, with the account's state right after it, into the live notification
 * its owner's sockets get on `orders.<accountId>`. Live notifications only: the REST API stays the source
 * of truth. Where the engine sent an order (OrderRouted) is its bookkeeping: the client hears of the
 * venue's answer.
 */
export const orderUpdateOf = (recorded: RecordedEvent, stateAfter: AccountState): { readonly accountId: string; readonly payload: OrderUpdateMessage } | undefined => {
  if (!isOrderUpdateEvent(recorded)) return undefined;
  const decoded = decodeAccountEvent(recorded.type, recorded.data);
  if (E.isLeft(decoded)) return undefined;
  const event = decoded.right;
  if (!('orderId' in event.data)) return undefined;
  const order = orderView(stateAfter, event.data.orderId);
  if (order === null) return undefined;
  const fill = event.type === 'OrderFilled'
    ? { fill_quantity: event.data.quantity, fill_price: event.data.price, filled_quantity: event.data.filledQuantity }
    : {};
  return {
    accountId: recorded.streamId.slice(ACCOUNT_STREAM_PREFIX.length),
    payload: {
      channel: 'orders', order_id: order.orderId, status: order.status, symbol: order.symbol,
      filled_qty: order.filledQuantity, avg_fill_price: order.avgFillPrice, ...fill,
      position: recorded.position.toString(), ts: new Date(event.data.atMs).toISOString(),
    },
  };
};

/** The publisher's mapper: each order event with the account's state after it, read from `store`. */
export const orderUpdatesFrom = (store: EventStore): OrderUpdateMapper => {
  const states = createAccountStates(store);
  return async (recorded) => (isOrderUpdateEvent(recorded) ? orderUpdateOf(recorded, await states.after(recorded)) : undefined);
};
