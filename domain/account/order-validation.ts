import type Big from 'big.js';
import * as E from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import {
  cashString,
  notionalToQuantity,
  positiveDecimal,
  priceString,
  quantityString,
  type Price,
  type ScaledDecimal,
} from '../money';
import { ORDER_SIDES, ORDER_TYPES, TIMES_IN_FORCE } from '../order/state-machine';
import type { PlaceOrderData } from './commands';
import { DomainErrorCode, fail, type DomainError } from './errors';
import { isWellFormedSymbol } from '../market/symbol';
import { ID_LENGTH_MAX, NOTIONAL_MIN_CASH, ORDER_QUANTITY_SHARES_MAX } from './limits';
import type { OrderTerms } from './reserve';

export type ValidatedOrder = OrderTerms & {
  readonly orderId: string;
  readonly symbol: string;
  readonly timeInForce: PlaceOrderData['timeInForce'];
  readonly extendedHours: boolean;
  readonly atMs: number;
};

const invalid = <A>(message: string, field: string): E.Either<DomainError, A> => fail(DomainErrorCode.InvalidOrder, message, field);

/** A decoded decimal of a command, as a Big: above zero and within the digit bound, else `code` on that field. */
export const positiveField = (
  value: ScaledDecimal<number>,
  field: string,
  code: DomainError['code'] = DomainErrorCode.InvalidOrder,
): E.Either<DomainError, Big> =>
  pipe(
    positiveDecimal(value),
    E.mapLeft((error) => ({ code, message: `${field}: ${error.message}`, field })),
  );

export const optionalPrice = (value: Price | undefined, field: string): E.Either<DomainError, string | null> =>
  value === undefined ? E.right(null) : pipe(positiveField(value, field), E.map(priceString));

export const isValidId = (id: unknown): id is string => typeof id === 'string' && id.length > 0 && id.length <= ID_LENGTH_MAX;

/**
 * Shape and combination checks that need no account state, except that a notional order's share
 * quantity is computed here at the reference price (rounded down).
 */
export const validatePlaceOrder = (data: PlaceOrderData): E.Either<DomainError, ValidatedOrder> => {
  if (!isValidId(data.orderId)) return invalid('orderId is required', 'orderId');
  if (typeof data.symbol !== 'string' || !isWellFormedSymbol(data.symbol)) return invalid('symbol must be an upper-case ticker', 'symbol');
  if (!ORDER_SIDES.includes(data.side)) return invalid('side must be buy or sell', 'side');
  if (!ORDER_TYPES.includes(data.type)) return invalid('type must be market, limit, stop or stop_limit', 'type');
  if (!TIMES_IN_FORCE.includes(data.timeInForce)) return invalid('time_in_force must be day, gtc, ioc or fok', 'timeInForce');
  if (typeof data.extendedHours !== 'boolean') return invalid('extended_hours must be a boolean', 'extendedHours');
  const needsLimit = data.type === 'limit' || data.type === 'stop_limit';
  const needsStop = data.type === 'stop' || data.type === 'stop_limit';
  if (needsLimit && data.limitPrice === undefined) return invalid(`${data.type} order needs limit_price`, 'limitPrice');
  if (!needsLimit && data.limitPrice !== undefined) return invalid(`${data.type} order takes no limit_price`, 'limitPrice');
  if (needsStop && data.stopPrice === undefined) return invalid(`${data.type} order needs stop_price`, 'stopPrice');
  if (!needsStop && data.stopPrice !== undefined) return invalid(`${data.type} order takes no stop_price`, 'stopPrice');
  if ((data.quantity === undefined) === (data.notional === undefined)) return invalid('give exactly one of quantity and notional', 'quantity');
  if (data.notional !== undefined && data.type !== 'market') return invalid('notional orders must be market orders', 'notional');
  if (data.extendedHours && data.type !== 'limit') return invalid('extended hours accepts limit orders only', 'extendedHours');
  if (data.extendedHours && (data.timeInForce === 'ioc' || data.timeInForce === 'fok')) {
    return invalid('ioc and fok are not accepted in extended hours', 'timeInForce');
  }
  return pipe(
    E.Do,
    E.bind('referencePrice', () => positiveField(data.referencePrice, 'referencePrice')),
    E.bind('limitPrice', () => optionalPrice(data.limitPrice, 'limitPrice')),
    E.bind('stopPrice', () => optionalPrice(data.stopPrice, 'stopPrice')),
    E.bind('notional', () => (data.notional === undefined ? E.right(null) : positiveField(data.notional, 'notional'))),
    E.bind('quantity', ({ notional, referencePrice }) => {
      if (notional !== null) return E.right(notionalToQuantity(notional, referencePrice));
      // Exactly one of the two is present: checked above.
      return data.quantity === undefined ? invalid<Big>('give exactly one of quantity and notional', 'quantity') : positiveField(data.quantity, 'quantity');
    }),
    E.chain((v) => {
      if (v.notional !== null && v.notional.lt(NOTIONAL_MIN_CASH)) return invalid<ValidatedOrder>(`notional must be at least $${NOTIONAL_MIN_CASH}`, 'notional');
      if (v.quantity.lte(0)) return invalid<ValidatedOrder>('notional buys less than a millionth of a share', 'notional');
      if (v.quantity.gt(ORDER_QUANTITY_SHARES_MAX)) return invalid<ValidatedOrder>(`quantity above ${ORDER_QUANTITY_SHARES_MAX}`, 'quantity');
      return E.right<DomainError, ValidatedOrder>({
        orderId: data.orderId,
        symbol: data.symbol,
        side: data.side,
        orderType: data.type,
        quantity: quantityString(v.quantity),
        notional: v.notional === null ? null : cashString(v.notional),
        limitPrice: v.limitPrice,
        stopPrice: v.stopPrice,
        referencePrice: priceString(v.referencePrice),
        timeInForce: data.timeInForce,
        extendedHours: data.extendedHours,
        atMs: data.atMs,
      });
    }),
  );
};
