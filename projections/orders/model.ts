import { entry, viewOfOrder, type OrderRecord } from '../../domain/account';
import type { SqlClient } from '../../infrastructure/pg/sql-client';
import { accountModelProjection, type AccountModel, type AccountModelOptions } from '../account-fold/account-model';
import { inChunks } from '../account-fold/chunks';
import { accountStateTableSql } from '../account-fold/fold-states';
import type { Projection } from '../runner/projection';

export const ORDERS_PROJECTION = 'orders';

/**
 * The orders read model: one row per order with its materialized status, filled quantity and average
 * fill price (the domain's own order view, kept whole in `view`), and one `order_events` row per event
 * of the order with the status after it. `seq` is the position of the order's OrderPlaced: the order
 * pages are keyed on it, and it only grows, so a page walk sees each order once.
 */
export const migrateOrders = async (db: SqlClient, schema: string): Promise<void> => {
  await db.query({ text: accountStateTableSql(schema) });
  await db.query({ text: `CREATE TABLE IF NOT EXISTS ${schema}.orders (
    order_id uuid PRIMARY KEY,
    account_id uuid NOT NULL,
    seq bigint NOT NULL,
    symbol text NOT NULL,
    status text NOT NULL,
    placed_at_ms bigint NOT NULL,
    updated_at_ms bigint NOT NULL,
    view jsonb NOT NULL
  )` });
  await db.query({ text: `CREATE INDEX IF NOT EXISTS orders_by_account ON ${schema}.orders (account_id, seq)` });
  await db.query({ text: `CREATE TABLE IF NOT EXISTS ${schema}.order_events (
    order_id uuid NOT NULL,
    position bigint NOT NULL,
    type text NOT NULL,
    status text NOT NULL,
    at_ms bigint NOT NULL,
    PRIMARY KEY (order_id, position)
  )` });
};

/**
 * Per order touched: its account, its seq (-1 when placed before these changes: the stored one stays) and
 * its record after its last step, viewed only when written (records are immutable: the view is the one
 * after that step). Per event: a history row with the order's status after it.
 */
type OrderEntry = { readonly accountId: string; readonly seq: bigint; readonly order: OrderRecord };
type HistoryRow = { readonly orderId: string; readonly position: bigint; readonly type: string; readonly status: string; readonly atMs: number };
type OrdersChanges = { readonly orders: Map<string, OrderEntry>; readonly history: HistoryRow[] };

/** Rows per statement when writing many (a rebuild): each parameter array stays a few megabytes. */
const WRITE_CHUNK_ROWS = 10_000;

const writeOrders = async (tx: SqlClient, schema: string, entries: ReadonlyArray<readonly [string, OrderEntry]>): Promise<void> => {
  const rows = entries.map(([, entry]) => ({ accountId: entry.accountId, seq: entry.seq, view: viewOfOrder(entry.order) }));
  // seq -1 means "placed before these changes": the upsert keeps the stored one.
  await tx.query({
    text: `INSERT INTO ${schema}.orders (order_id, account_id, seq, symbol, status, placed_at_ms, updated_at_ms, view)
      SELECT * FROM jsonb_to_recordset($1::jsonb)
        AS r(order_id uuid, account_id uuid, seq bigint, symbol text, status text, placed_at_ms bigint, updated_at_ms bigint, view jsonb)
      ON CONFLICT (order_id) DO UPDATE SET status = EXCLUDED.status, updated_at_ms = EXCLUDED.updated_at_ms, view = EXCLUDED.view`,
  }, [JSON.stringify(rows.map((r) => ({
    order_id: r.view.orderId, account_id: r.accountId, seq: r.seq.toString(), symbol: r.view.symbol, status: r.view.status,
    placed_at_ms: r.view.placedAtMs, updated_at_ms: r.view.updatedAtMs, view: r.view,
  })))]);
};

const writeHistory = async (tx: SqlClient, schema: string, history: readonly HistoryRow[]): Promise<void> => {
  await tx.query({
    text: `INSERT INTO ${schema}.order_events (order_id, position, type, status, at_ms)
      SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::text[], $5::bigint[]) ON CONFLICT DO NOTHING`,
  }, [history.map((h) => h.orderId), history.map((h) => h.position.toString()), history.map((h) => h.type), history.map((h) => h.status), history.map((h) => h.atMs)]);
};

export const ordersModel: AccountModel<OrdersChanges> = {
  name: ORDERS_PROJECTION,
  migrate: migrateOrders,
  changes: () => ({ orders: new Map(), history: [] }),
  note: (changes, step) => {
    if (!('orderId' in step.event.data)) return;
    const orderId = step.event.data.orderId;
    const order = step.state.status === 'open' ? entry(step.state.orders, orderId) : undefined;
    if (order === undefined) return;
    const seq = step.event.type === 'OrderPlaced' ? step.recorded.position : changes.orders.get(orderId)?.seq ?? -1n;
    changes.orders.set(orderId, { accountId: step.accountId, seq, order });
    changes.history.push({ orderId, position: step.recorded.position, type: step.event.type, status: order.status, atMs: step.event.data.atMs });
  },
  size: (changes) => changes.orders.size + changes.history.length,
  write: async (tx, schema, changes) => {
    // Side by side, as the states are (account-model.ts).
    await Promise.all([
      inChunks([...changes.orders], WRITE_CHUNK_ROWS, (entries) => writeOrders(tx, schema, entries)),
      inChunks(changes.history, WRITE_CHUNK_ROWS, (rows) => writeHistory(tx, schema, rows)),
    ]);
  },
};

export const createOrdersProjection = (options?: AccountModelOptions): Projection => accountModelProjection(ordersModel, options);
