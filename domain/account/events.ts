import * as E from 'fp-ts/Either';
import * as t from 'io-ts';
import type { OrderSide, OrderType, TimeInForce } from '../order/state-machine';

/**
 * Events of the stream `account-<accountId>`. On the wire an event is `{ type, data }` with
 * `data.schemaVersion`; one codec per stored schemaVersion. When a version 2 appears, keep the
 * v1 codec and add an upcaster in `decodeAccountEvent`.
 */

const patterned = (name: string, pattern: RegExp): t.Type<string, string, unknown> =>
  new t.Type<string, string, unknown>(
    name,
    (u): u is string => typeof u === 'string' && pattern.test(u),
    (u, c) => (typeof u === 'string' && pattern.test(u) ? t.success(u) : t.failure(u, c)),
    t.identity,
  );

export const CashCodec = patterned('Cash', /^\d+\.\d{2}$/);
export const SignedCashCodec = patterned('SignedCash', /^-?\d+\.\d{2}$/);
export const QuantityCodec = patterned('Quantity', /^\d+\.\d{6}$/);
export const PriceCodec = patterned('Price', /^\d+\.\d{2,4}$/);
const TimeMs = t.number;
const V1 = t.literal(1);
const Side = t.keyof({ buy: null, sell: null }, 'OrderSide');
const OrderTypeCodec = t.keyof({ market: null, limit: null, stop: null, stop_limit: null }, 'OrderType');
const Tif = t.keyof({ day: null, gtc: null, ioc: null, fok: null }, 'TimeInForce');
// The codecs must name exactly the state machine's values: a drift is a compile error here.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const _sidesMatch: Same<t.TypeOf<typeof Side>, OrderSide> = true;
const _typesMatch: Same<t.TypeOf<typeof OrderTypeCodec>, OrderType> = true;
const _tifsMatch: Same<t.TypeOf<typeof Tif>, TimeInForce> = true;
const nullable = <C extends t.Mixed>(codec: C) => t.union([codec, t.null]);

const event = <T extends string, P extends t.Props>(type: T, props: P) =>
  t.strict({ type: t.literal(type), data: t.strict({ schemaVersion: V1, ...props }) }, type);

export const AccountOpenedV1 = event('AccountOpened', { accountId: t.string, email: t.string, atMs: TimeMs });

export const DepositInitiatedV1 = event('DepositInitiated', {
  transferId: t.string,
  amount: CashCodec,
  instantCredit: CashCodec, // part of the amount usable for buys before ACH settles
  atMs: TimeMs,
});
export const DepositSettledV1 = event('DepositSettled', {
  transferId: t.string,
  amount: CashCodec,
  instantCreditReleased: CashCodec,
  restrictionLifted: t.boolean,
  atMs: TimeMs,
});
export const DepositReturnedV1 = event('DepositReturned', {
  transferId: t.string,
  amount: CashCodec,
  reason: t.string,
  instantCreditReversed: CashCodec, // pending deposit: the credit granted is taken back
  settledCashDebited: CashCodec, // already-settled deposit: the cash is taken back
  accountRestricted: t.boolean,
  atMs: TimeMs,
});
export const FundsWithdrawnV1 = event('FundsWithdrawn', { transferId: t.string, amount: CashCodec, atMs: TimeMs });

export const OrderPlacedV1 = event('OrderPlaced', {
  orderId: t.string,
  symbol: t.string,
  side: Side,
  orderType: OrderTypeCodec,
  quantity: QuantityCodec, // a notional order's quantity is the notional converted at the reference price
  notional: nullable(CashCodec),
  limitPrice: nullable(PriceCodec),
  stopPrice: nullable(PriceCodec),
  timeInForce: Tif,
  extendedHours: t.boolean,
  referencePrice: PriceCodec,
  orderValue: CashCodec, // counted by the rolling notional rate limit
  reservedCash: CashCodec,
  reservedShares: QuantityCodec,
  atMs: TimeMs,
});
export const OrderSubmittedV1 = event('OrderSubmitted', { orderId: t.string, venue: t.string, atMs: TimeMs });
const releasing = { releasedCash: CashCodec, releasedShares: QuantityCodec };
export const OrderRejectedV1 = event('OrderRejected', { orderId: t.string, reason: t.string, ...releasing, atMs: TimeMs });
export const OrderExpiredV1 = event('OrderExpired', { orderId: t.string, ...releasing, atMs: TimeMs });
export const OrderCancelRequestedV1 = event('OrderCancelRequested', { orderId: t.string, atMs: TimeMs });
export const OrderCancelledV1 = event('OrderCancelled', { orderId: t.string, ...releasing, atMs: TimeMs });
export const OrderReplaceRequestedV1 = event('OrderReplaceRequested', {
  orderId: t.string,
  quantity: QuantityCodec,
  limitPrice: nullable(PriceCodec),
  stopPrice: nullable(PriceCodec),
  heldCash: CashCodec, // extra reserve held now for a costlier replacement
  heldShares: QuantityCodec,
  atMs: TimeMs,
});
export const OrderReplacedV1 = event('OrderReplaced', {
  orderId: t.string,
  quantity: QuantityCodec,
  limitPrice: nullable(PriceCodec),
  stopPrice: nullable(PriceCodec),
  reservedCash: CashCodec, // the reserve in force from now on (replaces reserve + hold)
  reservedShares: QuantityCodec,
  atMs: TimeMs,
});
export const OrderReplaceRejectedV1 = event('OrderReplaceRejected', { orderId: t.string, reason: t.string, ...releasing, atMs: TimeMs });
export const TaxLotConsumedCodec = t.strict({ lotId: t.string, quantity: QuantityCodec, costBasis: CashCodec });
export const OrderFilledV1 = event('OrderFilled', {
  orderId: t.string,
  execId: t.string,
  symbol: t.string,
  side: Side,
  quantity: QuantityCodec,
  price: PriceCodec,
  venue: t.string,
  cash: CashCodec, // buy: cost debited; sell: proceeds credited as unsettled
  releasedCash: CashCodec, // reserve (and any replace hold) released
  releasedShares: QuantityCodec,
  filledQuantity: QuantityCodec, // cumulative, after this fill
  completesOrder: t.boolean,
  lotsConsumed: t.array(TaxLotConsumedCodec), // sells, FIFO
  realizedPnl: SignedCashCodec,
  settlesAtMs: nullable(TimeMs),
  atMs: TimeMs,
});
/** What the smart order router saw of one venue when it chose. Scores are 0..1 as 4-dp decimal strings. */
export const RouteCandidateCodec = t.strict({
  venue: t.string,
  bid: nullable(PriceCodec),
  ask: nullable(PriceCodec),
  eligible: t.boolean, // false: quoting worse than the NBBO on the order's side (Reg NMS 611), or not taking this order type
  priceScore: t.string,
  fillRateScore: t.string,
  speedScore: t.string,
  stabilityScore: t.string,
  score: t.string,
});
export const OrderRoutedV1 = event('OrderRouted', {
  orderId: t.string,
  venue: t.string,
  clOrdId: t.string,
  nbboBid: nullable(PriceCodec),
  nbboAsk: nullable(PriceCodec),
  triggeredAt: nullable(PriceCodec), // a stop: the NBBO price that triggered it
  candidates: t.array(RouteCandidateCodec),
  atMs: TimeMs,
});
export const TradesSettledV1 = event('TradesSettled', { upToMs: TimeMs, execIds: t.array(t.string), amount: CashCodec, atMs: TimeMs });

export const AccountEventCodec = t.union([
  AccountOpenedV1,
  DepositInitiatedV1,
  DepositSettledV1,
  DepositReturnedV1,
  FundsWithdrawnV1,
  OrderPlacedV1,
  OrderSubmittedV1,
  OrderRejectedV1,
  OrderExpiredV1,
  OrderCancelRequestedV1,
  OrderCancelledV1,
  OrderReplaceRequestedV1,
  OrderReplacedV1,
  OrderReplaceRejectedV1,
  OrderFilledV1,
  TradesSettledV1,
  OrderRoutedV1,
]);
export type AccountEvent = t.TypeOf<typeof AccountEventCodec>;
export type AccountEventType = AccountEvent['type'];
export type EventOf<T extends AccountEventType> = Extract<AccountEvent, { type: T }>;
export type EventDataOf<T extends AccountEventType> = EventOf<T>['data'];

const codecByType: ReadonlyMap<string, t.Mixed> = new Map(AccountEventCodec.types.map((codec) => [codec.type.props.type.value, codec as t.Mixed]));

/**
 * For a value the codec's `is` accepts: true when it has no key the codec does not name (at any depth), so
 * `decode` would return it unchanged. `is` already found every named key, so counting keys is enough.
 */
const namesOnly = (codec: t.Mixed): ((u: unknown) => boolean) => {
  if (codec instanceof t.ExactType) return namesOnly(codec.type as t.Mixed);
  if (codec instanceof t.InterfaceType) {
    const props = Object.entries(codec.props as t.Props).map(([key, prop]) => [key, namesOnly(prop)] as const);
    return (u) => {
      const record = u as Record<string, unknown>;
      if (Object.keys(record).length !== props.length) return false;
      for (const [key, check] of props) if (!check(record[key])) return false;
      return true;
    };
  }
  if (codec instanceof t.ArrayType) {
    const check = namesOnly(codec.type as t.Mixed);
    return (u) => (u as unknown[]).every(check);
  }
  if (codec instanceof t.UnionType) {
    const members = (codec.types as t.Mixed[]).map((member) => [member, namesOnly(member)] as const);
    return (u) => members.some(([member, check]) => member.is(u) && check(u));
  }
  return () => true;
};
const namesOnlyByType: ReadonlyMap<string, (u: unknown) => boolean> = new Map([...codecByType].map(([type, codec]) => [type, namesOnly(codec)]));

/** Validate a stored event. The place where an upcaster for an older schemaVersion goes. */
export const decodeAccountEvent = (type: string, data: unknown): E.Either<t.Errors, AccountEvent> => {
  // The stored type picks its one codec: a union would try every member in turn on every event read.
  const codec = codecByType.get(type);
  if (codec === undefined) return AccountEventCodec.decode({ type, data });
  const stored = { type, data };
  // `is` checks every field `decode` checks (types, decimal patterns, schemaVersion), but builds no copy and
  // no Either per field: a quarter of the cost, and a rebuild decodes a million events. When it passes and
  // no key is unnamed, decode would return the same value. Anything else (an older schemaVersion for its
  // upcaster, a bad field for its errors, an unknown key to drop) goes through decode.
  return codec.is(stored) && namesOnlyByType.get(type)!(stored) ? E.right(stored as AccountEvent) : (codec.decode(stored) as E.Either<t.Errors, AccountEvent>);
};

/** Build an event with its schemaVersion: decide uses this so no event is born unversioned. */
export const accountEvent = <T extends AccountEventType>(type: T, data: Omit<EventDataOf<T>, 'schemaVersion'>): EventOf<T> =>
  ({ type, data: { schemaVersion: 1, ...data } }) as unknown as EventOf<T>;
