import { entry, isTerminal, viewOfOrder, type OrderRecord } from '../../domain/account';
import { copyField, createCopyRows, type CopyRows } from '../../infrastructure/pg/copy-rows';
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
 * Per order touched since these changes began: its account, its seq (-1 when placed before them: its row
 * exists, and the stored seq stays) and its record after its last step, viewed only when written (records
 * are immutable: the view is the one after that step). An order placed within the changes has no row yet,
 * so its row is loaded by COPY, and so is every history row (one per event, each new): `placedRows` holds
 * the orders placed here that already ended (no later event touches an ended order), `historyRows` the history.
 */
type OrderEntry = { readonly accountId: string; readonly seq: bigint; readonly order: OrderRecord };
type OrdersChanges = { readonly orders: Map<string, OrderEntry>; readonly placedRows: CopyRows; readonly historyRows: CopyRows };

/** Rows per statement when upserting many: each parameter stays a few megabytes. */
const WRITE_CHUNK_ROWS = 10_000;

const ORDER_COLUMNS = '(order_id, account_id, seq, symbol, status, placed_at_ms, updated_at_ms, view)';
const HISTORY_COLUMNS = '(order_id, position, type, status, at_ms)';

const orderRow = (accountId: string, seq: bigint, order: OrderRecord): string => {
  const view = viewOfOrder(order);
  return `${order.orderId}\t${accountId}\t${seq}\t${copyField(view.symbol)}\t${view.status}\t${view.placedAtMs}\t${view.updatedAtMs}\t${copyField(JSON.stringify(view))}`;
};

const copyIn = async (tx: SqlClient, table: string, columns: string, chunks: readonly Uint8Array[]): Promise<void> => {
  if (chunks.length > 0) await tx.query({ text: `COPY ${table} ${columns} FROM STDIN`, stdin: chunks });
};

/** Orders whose rows exist: their status, update time and view move on; their seq and placement stay. */
const upsertOrders = async (tx: SqlClient, schema: string, entries: readonly OrderEntry[]): Promise<void> => {
  // The columns are read out of the view by PostgreSQL: sending them beside it made the document a third
  // longer, to write out in node and to parse in PostgreSQL.
  await tx.query({
    text: `INSERT INTO ${schema}.orders ${ORDER_COLUMNS}
      SELECT (r.view->>'orderId')::uuid, r.account_id, r.seq, r.view->>'symbol', r.view->>'status',
        (r.view->>'placedAtMs')::bigint, (r.view->>'updatedAtMs')::bigint, r.view
      FROM jsonb_to_recordset($1::jsonb) AS r(account_id uuid, seq bigint, view jsonb)
      ON CONFLICT (order_id) DO UPDATE SET status = EXCLUDED.status, updated_at_ms = EXCLUDED.updated_at_ms, view = EXCLUDED.view`,
  }, [JSON.stringify(entries.map((entry) => ({ account_id: entry.accountId, seq: entry.seq.toString(), view: viewOfOrder(entry.order) })))]);
};

const writeOrders = async (tx: SqlClient, schema: string, changes: OrdersChanges): Promise<void> => {
  const existing: OrderEntry[] = [];
  const placedOpen = createCopyRows();
  for (const touched of changes.orders.values()) {
    if (touched.seq === -1n) existing.push(touched);
    else placedOpen.push(orderRow(touched.accountId, touched.seq, touched.order));
  }
  await Promise.all([
    copyIn(tx, `${schema}.orders`, ORDER_COLUMNS, [...changes.placedRows.chunks(), ...placedOpen.chunks()]),
    inChunks(existing, WRITE_CHUNK_ROWS, (entries) => upsertOrders(tx, schema, entries)),
  ]);
};

export const ordersModel: AccountModel<OrdersChanges> = {
  name: ORDERS_PROJECTION,
  migrate: migrateOrders,
  indexes: indexOrders,
  changes: () => ({ orders: new Map(), placedRows: createCopyRows(), historyRows: createCopyRows() }),
  note: (changes, step) => {
    if (!('orderId' in step.event.data)) return;
    const orderId = step.event.data.orderId;
    const order = step.state.status === 'open' ? entry(step.state.orders, orderId) : undefined;
    if (order === undefined) return;
    changes.historyRows.push(`${orderId}\t${step.recorded.position}\t${step.event.type}\t${order.status}\t${step.event.data.atMs}`);
    const seq = step.event.type === 'OrderPlaced' ? step.recorded.position : changes.orders.get(orderId)?.seq ?? -1n;
    if (seq !== -1n && isTerminal(order.status)) {
      // Its row is final: encoded now, it holds no objects until the write.
      changes.orders.delete(orderId);
      changes.placedRows.push(orderRow(step.accountId, seq, order));
    } else {
      changes.orders.set(orderId, { accountId: step.accountId, seq, order });
    }
  },
  size: (changes) => changes.orders.size + changes.placedRows.count + changes.historyRows.count,
  // An order placed since the last write and still open has no row yet: written now, it would be upserted
  // when it moves on (an upsert costs PostgreSQL several times a COPY's row); carried, it is copied once, when it ends.
  carry: (held, next) => {
    for (const [orderId, placed] of held.orders) {
      if (placed.seq === -1n) continue;
      next.orders.set(orderId, placed);
      held.orders.delete(orderId);
    }
  },
  write: async (tx, schema, changes) => {
    // Side by side, as the states are (account-model.ts).
    await Promise.all([writeOrders(tx, schema, changes), copyIn(tx, `${schema}.order_events`, HISTORY_COLUMNS, changes.historyRows.chunks())]);
  },
};

export const createOrdersProjection = (options?: AccountModelOptions): Projection => accountModelProjection(ordersModel, options);
