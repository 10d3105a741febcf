import * as t from 'io-ts';
import type { Quantity as QuantityDecimal } from '../../domain/money';
import { CASH_DECIMAL, PRICE_DECIMAL, QUANTITY_DECIMAL, boundedString, closedObject } from '../../infrastructure/http/validation';

/** Whole shares up to this many may arrive as a JSON integer (the seed's `"quantity": 10`); anything else is a decimal string. */
const INTEGER_QUANTITY_MAX = 1_000_000_000;

/**
 * A share quantity: a decimal string with up to 6 decimals, or a JSON integer, which is exact.
 * A JSON number with a fraction is refused like any float in a money field.
 */
const Quantity = new t.Type<QuantityDecimal, string, unknown>(
  'Quantity',
  (u): u is QuantityDecimal => QUANTITY_DECIMAL.is(u),
  (u, c) => (typeof u === 'number' && Number.isSafeInteger(u) && u > 0 && u <= INTEGER_QUANTITY_MAX
    ? QUANTITY_DECIMAL.validate(String(u), c)
    : QUANTITY_DECIMAL.validate(u, c)),
  String,
);

const enumOf = <V extends string>(name: string, values: readonly V[]) =>
  t.keyof(Object.fromEntries(values.map((v) => [v, null])) as Record<V, null>, name);

export const PlaceOrderBody = closedObject('PlaceOrder', {
  symbol: boundedString(1, 12),
  side: enumOf('Side', ['buy', 'sell']),
  type: enumOf('OrderType', ['market', 'limit', 'stop', 'stop_limit']),
}, {
  quantity: Quantity,
  notional: CASH_DECIMAL,
  limit_price: PRICE_DECIMAL,
  stop_price: PRICE_DECIMAL,
  time_in_force: enumOf('TimeInForce', ['day', 'gtc', 'ioc', 'fok']),
  extended_hours: t.boolean,
});
export type PlaceOrderBody = t.TypeOf<typeof PlaceOrderBody>;

export const ReplaceOrderBody = closedObject('ReplaceOrder', {}, {
  quantity: Quantity,
  limit_price: PRICE_DECIMAL,
  stop_price: PRICE_DECIMAL,
});
export type ReplaceOrderBody = t.TypeOf<typeof ReplaceOrderBody>;
