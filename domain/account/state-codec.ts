import * as t from 'io-ts';
import { ORDER_SIDES, ORDER_STATUSES, ORDER_TYPES, TIMES_IN_FORCE } from '../order/state-machine';
import type { AccountState } from './state';

/**
 * AccountState as stored in a snapshot, checked field by field when it is read back: a snapshot is
 * stored data like any event, and a state that does not decode is rebuilt from the events instead of
 * being trusted. Unknown fields are dropped. The annotation below keeps this codec and the type in
 * step: a field added to the state and not here does not compile.
 */

const oneOf = <V extends string>(name: string, values: readonly V[]) =>
  t.keyof(Object.fromEntries(values.map((v) => [v, null])) as Record<V, null>, name);

// Decimal strings in positional notation, as the ledger writes them (cash may be negative).
const DECIMAL_PATTERN = /^-?\d+(\.\d+)?$/;
const decimal = new t.Type<string, string, unknown>(
  'DecimalString',
  (u): u is string => typeof u === 'string' && DECIMAL_PATTERN.test(u),
  (u, c) => (typeof u === 'string' && DECIMAL_PATTERN.test(u) ? t.success(u) : t.failure(u, c, 'not a decimal string')),
  String,
);
const ms = t.Int;
const nullable = <C extends t.Mixed>(codec: C) => t.union([codec, t.null]);
const record = <C extends t.Mixed>(codec: C) => t.readonly(t.record(t.string, codec));

const PendingReplace = t.readonly(t.exact(t.type({
  quantity: decimal, limitPrice: nullable(decimal), stopPrice: nullable(decimal), heldCash: decimal, heldShares: decimal,
})));

const OrderRecord = t.readonly(t.exact(t.type({
  orderId: t.string,
  symbol: t.string,
  side: oneOf('OrderSide', ORDER_SIDES),
  orderType: oneOf('OrderType', ORDER_TYPES),
  quantity: decimal,
  notional: nullable(decimal),
  limitPrice: nullable(decimal),
  stopPrice: nullable(decimal),
  timeInForce: oneOf('TimeInForce', TIMES_IN_FORCE),
  extendedHours: t.boolean,
  referencePrice: decimal,
  status: oneOf('OrderStatus', ORDER_STATUSES),
  version: t.Int,
  filledQuantity: decimal,
  filledValue: decimal,
  reservedCash: decimal,
  reservedShares: decimal,
  pendingReplace: nullable(PendingReplace),
  route: nullable(t.readonly(t.exact(t.type({ venue: t.string, clOrdId: t.string })))),
  replaceCount: t.Int,
  placedAtMs: ms,
  updatedAtMs: ms,
})));

const Deposit = t.readonly(t.exact(t.type({
  transferId: t.string,
  amount: decimal,
  instantCredit: decimal,
  status: oneOf('DepositStatus', ['pending', 'settled', 'returned'] as const),
  initiatedAtMs: ms,
})));

const TaxLot = t.readonly(t.exact(t.type({ lotId: t.string, quantity: decimal, costBasis: decimal, acquiredAtMs: ms })));

const Position = t.readonly(t.exact(t.type({ symbol: t.string, quantity: decimal, lots: t.readonlyArray(TaxLot), realizedPnl: decimal })));

const OpenAccountState = t.readonly(t.exact(t.type({
  status: t.literal('open'),
  accountId: t.string,
  email: t.string,
  openedAtMs: ms,
  settledCash: decimal,
  unsettled: t.readonlyArray(t.readonly(t.exact(t.type({ execId: t.string, amount: decimal, settlesAtMs: ms })))),
  deposits: record(Deposit),
  withdrawals: record(decimal),
  holdsCash: decimal,
  restricted: t.boolean,
  orders: record(OrderRecord),
  positions: record(Position),
  appliedExecIds: record(t.string),
  recentOrders: t.readonlyArray(t.readonly(t.exact(t.type({ atMs: ms, orderValue: decimal })))),
})));

export const AccountStateCodec: t.Decoder<unknown, AccountState> = t.union([t.readonly(t.exact(t.type({ status: t.literal('none') }))), OpenAccountState]);
