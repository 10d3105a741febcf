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
  await db.query({ text: `CREATE TABLE IF NOT EXISTS ${schema}.order_events (
    order_id uuid NOT NULL,
    position bigint NOT NULL,
    type text NOT NULL,
    status text NOT NULL,
    at_ms bigint NOT NULL
  )` });
};

/**
 * The indexes the reads use and no write needs: a rebuild loads the tables without them and builds them
 * after its scan. `order_events_pkey` is the name the history's primary key had when it was declared
 * with the table, so a model created then is left as it is.
 */
export const indexOrders = async (db: SqlClient, schema: string): Promise<void> => {
  // Side by side when `db` is a pool (a rebuild); in a transaction they queue.
  await Promise.all([
    db.query({ text: `CREATE INDEX IF NOT EXISTS orders_by_account ON ${schema}.orders (account_id, seq)` }),
    db.query({ text: `CREATE UNIQUE INDEX IF NOT EXISTS order_events_pkey ON ${schema}.order_events (order_id, position)` }),
  ]);
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
  // The columns the pages filter on are read out of the view by PostgreSQL: sending them beside it made the
  // document a third longer, to write out in node and to parse in PostgreSQL. seq -1 means "placed before
  // these changes": the upsert keeps the stored one.
  await tx.query({
    text: `INSERT INTO ${schema}.orders (order_id, account_id, seq, symbol, status, placed_at_ms, updated_at_ms, view)
      SELECT (r.view->>'orderId')::uuid, r.account_id, r.seq, r.view->>'symbol', r.view->>'status',
        (r.view->>'placedAtMs')::bigint, (r.view->>'updatedAtMs')::bigint, r.view
      FROM jsonb_to_recordset($1::jsonb) AS r(account_id uuid, seq bigint, view jsonb)
      ON CONFLICT (order_id) DO UPDATE SET status = EXCLUDED.status, updated_at_ms = EXCLUDED.updated_at_ms, view = EXCLUDED.view`,
  }, [JSON.stringify(entries.map(([, entry]) => ({ account_id: entry.accountId, seq: entry.seq.toString(), view: viewOfOrder(entry.order) })))]);
};

const writeHistory = async (tx: SqlClient, schema: string, history: readonly HistoryRow[]): Promise<void> => {
  // One JSON document: five parameter arrays cost node twice as much to write out, element by element.
  await tx.query({
    text: `INSERT INTO ${schema}.order_events (order_id, position, type, status, at_ms)
      SELECT * FROM json_to_recordset($1::json) AS r(order_id uuid, position bigint, type text, status text, at_ms bigint)
      ON CONFLICT DO NOTHING`,
  }, [JSON.stringify(history.map((h) => ({ order_id: h.orderId, position: h.position.toString(), type: h.type, status: h.status, at_ms: h.atMs })))]);
};

export const ordersModel: AccountModel<OrdersChanges> = {
  name: ORDERS_PROJECTION,
  migrate: migrateOrders,
  indexes: indexOrders,
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
