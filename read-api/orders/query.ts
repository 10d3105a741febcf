import type { OrderStatus, OrderView } from '../../domain/account';
import { isTerminal } from '../../domain/account';
import { ORDER_STATUSES } from '../../domain/order/state-machine';
import type { SqlClient } from '../../infrastructure/pg/sql-client';
import { liveSchemaOf } from '../../projections/runner/projection';
import { ORDERS_PROJECTION } from '../../projections/orders/model';

export type OrderStatusFilter = OrderStatus | 'open' | 'closed';
export const ORDER_STATUS_FILTERS: readonly OrderStatusFilter[] = [...ORDER_STATUSES, 'open', 'closed'];

export type OrdersQuery = {
  readonly accountId: string;
  readonly status?: OrderStatusFilter;
  readonly symbol?: string;
  readonly fromMs?: number;
  readonly toMs?: number;
  /** Newest first (`desc`, the default) or oldest first. */
  readonly direction: 'asc' | 'desc';
  /** Exclusive: rows after this `seq` in the walk's direction. */
  readonly afterSeq?: bigint;
  readonly limit: number;
};

export type OrdersPage = { readonly orders: readonly OrderView[]; readonly lastSeq: bigint | null; readonly more: boolean };

const statusesOf = (filter: OrderStatusFilter | undefined): readonly string[] | null => {
  if (filter === undefined) return null;
  if (filter === 'open') return ORDER_STATUSES.filter((s) => !isTerminal(s));
  if (filter === 'closed') return ORDER_STATUSES.filter((s) => isTerminal(s));
  return [filter];
};

/**
 * One page of an account's orders, keyed on `seq` (the position of each order's OrderPlaced): keyset
 * paging, so an order placed meanwhile neither shifts a page nor is seen twice.
 */
export const queryOrders = async (db: SqlClient, query: OrdersQuery): Promise<OrdersPage> => {
  const schema = liveSchemaOf(ORDERS_PROJECTION);
  const op = query.direction === 'asc' ? '>' : '<';
  const { rows } = await db.query<{ seq: string; view: OrderView }>({
    text: `SELECT o.seq::text AS seq, o.view FROM ${schema}.orders o
      WHERE account_id = $1
        AND ($2::text[] IS NULL OR status = ANY($2::text[]))
        AND ($3::text IS NULL OR symbol = $3)
        AND ($4::bigint IS NULL OR placed_at_ms >= $4)
        AND ($5::bigint IS NULL OR placed_at_ms < $5)
        AND ($6::bigint IS NULL OR seq ${op} $6)
      ORDER BY o.seq ${query.direction === 'asc' ? 'ASC' : 'DESC'}
      LIMIT $7`,
  }, [
    query.accountId, statusesOf(query.status), query.symbol ?? null, query.fromMs ?? null, query.toMs ?? null,
    query.afterSeq === undefined ? null : query.afterSeq.toString(), query.limit + 1,
  ]);
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  return { orders: page.map((row) => row.view), lastSeq: last === undefined ? null : BigInt(last.seq), more: rows.length > query.limit };
};

export type OrderHistoryEntry = { readonly type: string; readonly status: string; readonly atMs: number; readonly position: bigint };

/** The order's events as the orders model recorded them, oldest first; empty for another account's order. */
export const queryOrderHistory = async (db: SqlClient, accountId: string, orderId: string): Promise<OrderHistoryEntry[]> => {
  const schema = liveSchemaOf(ORDERS_PROJECTION);
  const { rows } = await db.query<{ type: string; status: string; at_ms: string; position: string }>({
    text: `SELECT e.type, e.status, e.at_ms::text AS at_ms, e.position::text AS position FROM ${schema}.order_events e
      JOIN ${schema}.orders o ON o.order_id = e.order_id
      WHERE e.order_id = $1 AND o.account_id = $2 ORDER BY e.position`,
  }, [orderId, accountId]);
  return rows.map((row) => ({ type: row.type, status: row.status, atMs: Number(row.at_ms), position: BigInt(row.position) }));
};
