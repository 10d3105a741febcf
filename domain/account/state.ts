import type { OrderSide, OrderStatus, OrderType, TimeInForce } from '../order/state-machine';

/**
 * The account stream's state. Plain JSON only (decimal strings, ms numbers, arrays, records)
 * so it can be snapshotted with JSON.stringify and read back unchanged.
 */

export type PendingReplace = {
  readonly quantity: string;
  readonly limitPrice: string | null;
  readonly stopPrice: string | null;
  readonly heldCash: string;
  readonly heldShares: string;
};

export type OrderRoute = { readonly venue: string; readonly clOrdId: string };

export type OrderRecord = {
  readonly orderId: string;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly orderType: OrderType;
  readonly quantity: string;
  readonly notional: string | null;
  readonly limitPrice: string | null;
  readonly stopPrice: string | null;
  readonly timeInForce: TimeInForce;
  readonly extendedHours: boolean;
  readonly referencePrice: string;
  readonly status: OrderStatus;
  /** Bumped by every event of this order; the ETag is `v<version>`. */
  readonly version: number;
  readonly filledQuantity: string;
  /** Sum of price × quantity over fills, exact (10 dp at most), for the average fill price. */
  readonly filledValue: string;
  /** What remains reserved for the unfilled part, not counting a replace hold. */
  readonly reservedCash: string;
  readonly reservedShares: string;
  readonly pendingReplace: PendingReplace | null;
  /** Where the execution engine sent the order and the ClOrdID now working there; null while unsent (or a held stop). */
  readonly route: OrderRoute | null;
  /** Replace requests so far: the n-th replace is sent as ClOrdID `clOrdIdOf(orderId, n)`. */
  readonly replaceCount: number;
  readonly placedAtMs: number;
  readonly updatedAtMs: number;
};

export type Deposit = {
  readonly transferId: string;
  readonly amount: string;
  readonly instantCredit: string;
  readonly status: 'pending' | 'settled' | 'returned';
  readonly initiatedAtMs: number;
};

export type TaxLot = {
  readonly lotId: string;
  readonly quantity: string;
  readonly costBasis: string;
  readonly acquiredAtMs: number;
};

export type Position = {
  readonly symbol: string;
  readonly quantity: string;
  /** FIFO: oldest first. */
  readonly lots: readonly TaxLot[];
  readonly realizedPnl: string;
};

export type UnsettledProceeds = {
  readonly execId: string;
  readonly amount: string;
  readonly settlesAtMs: number;
};

export type RecentOrder = { readonly atMs: number; readonly orderValue: string };

export type OpenAccountState = {
  readonly status: 'open';
  readonly accountId: string;
  readonly email: string;
  readonly openedAtMs: number;
  /** May go below zero while instant credit or unsettled proceeds fund buys; they settle into it. */
  readonly settledCash: string;
  readonly unsettled: readonly UnsettledProceeds[];
  readonly deposits: Readonly<Record<string, Deposit>>;
  readonly withdrawals: Readonly<Record<string, string>>;
  /** Regulatory holds (PDT, GFV); nothing places one yet, the formula already subtracts it. */
  readonly holdsCash: string;
  readonly restricted: boolean;
  readonly orders: Readonly<Record<string, OrderRecord>>;
  readonly positions: Readonly<Record<string, Position>>;
  /** Every ExecID applied, to its order: a fill is applied exactly once. */
  readonly appliedExecIds: Readonly<Record<string, string>>;
  /** Orders placed in the last rate window, oldest first; at most RATE_ORDERS_PER_WINDOW_MAX. */
  readonly recentOrders: readonly RecentOrder[];
};

export type AccountState = { readonly status: 'none' } | OpenAccountState;

export const initialState: AccountState = { status: 'none' };

/**
 * A record's own entry. Ids come from outside (ExecIDs from venues, order ids): a plain `record[id]`
 * would find `toString` or `constructor` on the prototype and take an unknown id for a known one.
 */
export const entry = <V>(record: Readonly<Record<string, V>>, key: string): V | undefined =>
  Object.hasOwn(record, key) ? record[key] : undefined;

/**
 * A copy of `record` with `key` set to `value`. Keys are ids (UUIDs, ExecIDs): a spread `{ ...record, [id]: value }`
 * gives every copy a V8 hidden class of its own, which made folding a long history about five times slower
 * (bench/rebuild). A copy without a prototype is a plain hash table, and an id like `__proto__` is just a key.
 */
export const withEntry = <V>(record: Readonly<Record<string, V>>, key: string, value: V): Readonly<Record<string, V>> => {
  const copy = Object.create(null) as Record<string, V>;
  for (const k of Object.keys(record)) copy[k] = record[k]!;
  copy[key] = value;
  return copy;
};
