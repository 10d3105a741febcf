import * as E from 'fp-ts/Either';
import { decodeAccountEvent, type AccountEvent } from '../../domain/account';
import type { OrderStatus } from '../../domain/order/state-machine';
import type { RecordedEvent } from '../../infrastructure/event-store/port';

/** The seed's order message on the `orders` channel: `{ channel, order_id, status, ... }` with decimal strings. */
export type OrderUpdateMessage = {
  readonly channel: 'orders';
  readonly order_id: string;
  readonly status: OrderStatus;
  readonly symbol?: string;
  readonly fill_quantity?: string;
  readonly fill_price?: string;
  readonly filled_quantity?: string;
  readonly position: string;
  readonly ts: string;
};

const ACCOUNT_STREAM_PREFIX = 'account-';

const statusAfter = (event: AccountEvent): OrderStatus | undefined => {
  switch (event.type) {
    case 'OrderPlaced': return 'pending_new';
    case 'OrderSubmitted': return 'submitted';
    case 'OrderRejected': return 'rejected';
    case 'OrderExpired': return 'expired';
    case 'OrderCancelRequested': return 'pending_cancel';
    case 'OrderCancelled': return 'cancelled';
    case 'OrderReplaceRequested': return 'pending_replace';
    // The status a replace returns to is in the write model; the socket says what happened.
    case 'OrderReplaced': return 'submitted';
    case 'OrderReplaceRejected': return 'submitted';
    case 'OrderFilled': return event.data.completesOrder ? 'filled' : 'partially_filled';
    case 'AccountOpened': case 'DepositInitiated': case 'DepositSettled': case 'DepositReturned':
    case 'FundsWithdrawn': case 'TradesSettled':
      return undefined;
  }
};

/**
 * Turns a recorded account event into the live notification its owner's sockets get on
 * `orders.<accountId>`. Live notifications only: the REST API stays the source of truth.
 */
export const orderUpdateOf = (recorded: RecordedEvent): { readonly accountId: string; readonly payload: OrderUpdateMessage } | undefined => {
  if (!recorded.streamId.startsWith(ACCOUNT_STREAM_PREFIX)) return undefined;
  const decoded = decodeAccountEvent(recorded.type, recorded.data);
  if (E.isLeft(decoded)) return undefined;
  const event = decoded.right;
  const status = statusAfter(event);
  if (status === undefined || !('orderId' in event.data)) return undefined;
  const fill = event.type === 'OrderFilled'
    ? { symbol: event.data.symbol, fill_quantity: event.data.quantity, fill_price: event.data.price, filled_quantity: event.data.filledQuantity }
    : {};
  const symbol = event.type === 'OrderPlaced' ? { symbol: event.data.symbol } : {};
  return {
    accountId: recorded.streamId.slice(ACCOUNT_STREAM_PREFIX.length),
    payload: {
      channel: 'orders', order_id: event.data.orderId, status, ...symbol, ...fill,
      position: recorded.position.toString(), ts: new Date(event.data.atMs).toISOString(),
    },
  };
};

/** The account event types that produce an order update, for a filtered subscription. */
export const ORDER_UPDATE_EVENT_TYPES: readonly string[] = [
  'OrderPlaced', 'OrderSubmitted', 'OrderRejected', 'OrderExpired', 'OrderCancelRequested', 'OrderCancelled',
  'OrderReplaceRequested', 'OrderReplaced', 'OrderReplaceRejected', 'OrderFilled',
];
