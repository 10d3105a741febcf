import * as E from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import type { CommandOf } from './commands';
import { findOrder } from './decide-orders';
import { DomainErrorCode, fail, type DomainError } from './errors';
import { accountEvent, type AccountEvent } from './events';
import { clOrdIdOf } from './routing';
import type { OrderRecord } from './state';
import type { OpenAccountState } from './state';

/**
 * The engine records where it sends an order, and why, before it sends it: once per order. An order
 * still unsent is pending_new, or submitted when it is a held stop whose replace was confirmed here.
 * Its ClOrdID carries the replaces confirmed before it left (a held stop may be replaced while held).
 */
export const decideRouteOrder = ({ data }: CommandOf<'RouteOrder'>, state: OpenAccountState): E.Either<DomainError, AccountEvent[]> =>
  pipe(
    findOrder(state, data.orderId),
    E.chain((order) => {
      if (order.route !== null) return fail<OrderRecord>(DomainErrorCode.InvalidTransition, `order ${order.orderId} is already routed to ${order.route.venue}`, 'status');
      if (order.status !== 'pending_new' && order.status !== 'submitted') {
        return fail<OrderRecord>(DomainErrorCode.InvalidTransition, `order ${order.orderId} is ${order.status}: nothing to route`, 'status');
      }
      return E.right(order);
    }),
    E.map((order) => [
      accountEvent('OrderRouted', {
        orderId: order.orderId,
        venue: String(data.venue),
        clOrdId: clOrdIdOf(order.orderId, order.replaceCount),
        nbboBid: data.nbboBid,
        nbboAsk: data.nbboAsk,
        triggeredAt: data.triggeredAt,
        candidates: data.candidates,
        atMs: data.atMs,
      }),
    ]),
  );
