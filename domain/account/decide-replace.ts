import * as E from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import { big, cashString, maxBig, quantityString, ZERO } from '../money';
import type { OrderStatus } from '../order/state-machine';
import { buyingPowerBig } from './buying-power';
import type { CommandOf } from './commands';
import { findOrder, refuseUnlessTransition } from './decide-orders';
import { DomainErrorCode, fail, type DomainError } from './errors';
import { accountEvent, type AccountEvent } from './events';
import { workingStatus } from './order-status';
import { optionalPrice, positiveField } from './order-validation';
import { unreservedShares } from './positions';
import { reserveFor, type OrderTerms } from './reserve';
import type { OpenAccountState, OrderRecord } from './state';

/** PATCH of an order: request (with the client's version), then the venue confirms or rejects. */

type Decision = E.Either<DomainError, AccountEvent[]>;

const replaceTerms = (order: OrderRecord, data: CommandOf<'RequestOrderReplace'>['data']): E.Either<DomainError, { quantity: string; limitPrice: string | null; stopPrice: string | null }> => {
  if (data.limitPrice === undefined && data.stopPrice === undefined && data.quantity === undefined) {
    return fail(DomainErrorCode.InvalidOrder, 'a replace changes limit_price, stop_price or quantity', 'limitPrice');
  }
  if (order.notional !== null) return fail(DomainErrorCode.InvalidOrder, 'a notional order cannot be replaced', 'notional');
  if (data.limitPrice !== undefined && order.limitPrice === null) return fail(DomainErrorCode.InvalidOrder, `${order.orderType} order takes no limit_price`, 'limitPrice');
  if (data.stopPrice !== undefined && order.stopPrice === null) return fail(DomainErrorCode.InvalidOrder, `${order.orderType} order takes no stop_price`, 'stopPrice');
  return pipe(
    E.Do,
    E.bind('quantity', () => (data.quantity === undefined ? E.right(big(order.quantity)) : positiveField(data.quantity, 'quantity'))),
    E.bind('limitPrice', () => (data.limitPrice === undefined ? E.right(order.limitPrice) : optionalPrice(data.limitPrice, 'limitPrice'))),
    E.bind('stopPrice', () => (data.stopPrice === undefined ? E.right(order.stopPrice) : optionalPrice(data.stopPrice, 'stopPrice'))),
    E.chain((terms) =>
      terms.quantity.lte(order.filledQuantity)
        ? fail(DomainErrorCode.InvalidOrder, `new quantity must exceed the ${order.filledQuantity} already filled`, 'quantity')
        : E.right({ quantity: quantityString(terms.quantity), limitPrice: terms.limitPrice, stopPrice: terms.stopPrice }),
    ),
  );
};

const termsOf = (order: OrderRecord, replacement: { quantity: string; limitPrice: string | null; stopPrice: string | null }): OrderTerms => ({
  side: order.side,
  orderType: order.orderType,
  quantity: replacement.quantity,
  notional: null,
  limitPrice: replacement.limitPrice,
  stopPrice: replacement.stopPrice,
  referencePrice: order.referencePrice,
});

/**
 * A costlier replacement holds the difference now (checked against buying power, or against
 * free shares for a sell); the old terms stay in force, and fills may still come, until the
 * venue confirms. Position limits are not re-checked on a replace.
 */
export const decideRequestOrderReplace = ({ data }: CommandOf<'RequestOrderReplace'>, state: OpenAccountState): Decision =>
  pipe(
    findOrder(state, data.orderId),
    E.chain((order) =>
      order.version === data.expectedVersion
        ? E.right(order)
        : fail<OrderRecord>(DomainErrorCode.VersionMismatch, `order is at v${order.version}, not v${data.expectedVersion}`, 'expectedVersion'),
    ),
    E.chain((order) => refuseUnlessTransition(order, 'pending_replace')),
    E.bindTo('order'),
    E.bind('terms', ({ order }) => replaceTerms(order, data)),
    E.chain(({ order, terms }) => {
      const reserve = reserveFor(termsOf(order, terms), big(terms.quantity).minus(order.filledQuantity));
      const heldCash = maxBig(ZERO, reserve.cash.minus(order.reservedCash));
      const heldShares = maxBig(ZERO, reserve.shares.minus(order.reservedShares));
      if (heldCash.gt(0) && state.restricted) return fail<AccountEvent[]>(DomainErrorCode.AccountRestricted, 'account is restricted: buys are refused until it is funded');
      if (heldCash.gt(buyingPowerBig(state))) return fail<AccountEvent[]>(DomainErrorCode.InsufficientBuyingPower, `replacement needs ${cashString(heldCash)} more`);
      if (heldShares.gt(unreservedShares(state, order.symbol))) return fail<AccountEvent[]>(DomainErrorCode.InsufficientShares, 'not enough free shares for the replacement', 'quantity');
      return E.right([
        accountEvent('OrderReplaceRequested', {
          orderId: order.orderId,
          quantity: terms.quantity,
          limitPrice: terms.limitPrice,
          stopPrice: terms.stopPrice,
          heldCash: cashString(heldCash),
          heldShares: quantityString(heldShares),
          atMs: data.atMs,
        }),
      ]);
    }),
  );

/**
 * The venue replaced the order: new terms, and a reserve for what is still open under them.
 * Fills that came in meanwhile count; if they already reach the new quantity the order is filled.
 */
export const decideConfirmOrderReplace = ({ data }: CommandOf<'ConfirmOrderReplace'>, state: OpenAccountState): Decision =>
  pipe(
    findOrder(state, data.orderId),
    E.chain((order) => {
      const pending = order.pendingReplace;
      if (pending === null) return fail<AccountEvent[]>(DomainErrorCode.InvalidTransition, `order ${order.orderId} has no replace pending`, 'status');
      const quantity = maxBig(big(pending.quantity), big(order.filledQuantity));
      const open = quantity.minus(order.filledQuantity);
      const target: OrderStatus = open.eq(0) ? 'filled' : workingStatus(order);
      return pipe(
        refuseUnlessTransition(order, target),
        E.map(() => {
          const reserve = reserveFor(termsOf(order, { ...pending, quantity: quantityString(quantity) }), open);
          return [
            accountEvent('OrderReplaced', {
              orderId: order.orderId,
              quantity: quantityString(quantity),
              limitPrice: pending.limitPrice,
              stopPrice: pending.stopPrice,
              reservedCash: cashString(reserve.cash),
              reservedShares: quantityString(reserve.shares),
              atMs: data.atMs,
            }),
          ];
        }),
      );
    }),
  );

export const decideRejectOrderReplace = ({ data }: CommandOf<'RejectOrderReplace'>, state: OpenAccountState): Decision =>
  pipe(
    findOrder(state, data.orderId),
    E.chain((order) =>
      order.pendingReplace === null
        ? fail<AccountEvent[]>(DomainErrorCode.InvalidTransition, `order ${order.orderId} has no replace pending`, 'status')
        : E.right([
            accountEvent('OrderReplaceRejected', {
              orderId: order.orderId,
              reason: String(data.reason),
              releasedCash: order.pendingReplace.heldCash,
              releasedShares: order.pendingReplace.heldShares,
              atMs: data.atMs,
            }),
          ]),
    ),
  );
