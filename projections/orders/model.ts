import { orderView, type OrderView } from '../../domain/account';
import type { RecordedEvent } from '../../infrastructure/event-store/port';
import type { SqlClient } from '../../infrastructure/pg/sql-client';
import { accountFacts } from '../account-fold/account-events';
import { accountStateTableSql, createFoldStates } from '../account-fold/fold-states';
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

type OrderRow = { readonly accountId: string; readonly seq: bigint; readonly view: OrderView };
type HistoryRow = { readonly orderId: string; readonly position: bigint; readonly type: string; readonly status: string; readonly atMs: number };

export const createOrdersProjection = (): Projection => {
  const states = createFoldStates();
  return {
    name: ORDERS_PROJECTION,
    migrate: migrateOrders,
    forget: () => states.forget(),
    apply: async (tx: SqlClient, schema: string, events: readonly RecordedEvent[]) => {
      const steps = await states.fold(tx, schema, accountFacts(events));
      const orders = new Map<string, OrderRow>();
      const history: HistoryRow[] = [];
      for (const step of steps) {
        if (!('orderId' in step.event.data)) continue;
        const orderId = step.event.data.orderId;
        const view = orderView(step.state, orderId);
        if (view === null) continue;
        const seq = step.event.type === 'OrderPlaced' ? step.recorded.position : orders.get(orderId)?.seq ?? -1n;
        orders.set(orderId, { accountId: step.accountId, seq, view });
        history.push({ orderId, position: step.recorded.position, type: step.event.type, status: view.status, atMs: step.event.data.atMs });
      }
      if (orders.size === 0) return;
      const rows = [...orders.values()];
      // seq -1 means "placed in an earlier batch": the upsert keeps the stored one.
      await tx.query({
        text: `INSERT INTO ${schema}.orders (order_id, account_id, seq, symbol, status, placed_at_ms, updated_at_ms, view)
          SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::bigint[], $4::text[], $5::text[], $6::bigint[], $7::bigint[], $8::jsonb[])
          ON CONFLICT (order_id) DO UPDATE SET status = EXCLUDED.status, updated_at_ms = EXCLUDED.updated_at_ms, view = EXCLUDED.view`,
      }, [
        rows.map((r) => r.view.orderId), rows.map((r) => r.accountId), rows.map((r) => r.seq.toString()), rows.map((r) => r.view.symbol),
        rows.map((r) => r.view.status), rows.map((r) => r.view.placedAtMs), rows.map((r) => r.view.updatedAtMs), rows.map((r) => JSON.stringify(r.view)),
      ]);
      await tx.query({
        text: `INSERT INTO ${schema}.order_events (order_id, position, type, status, at_ms)
          SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::text[], $5::bigint[]) ON CONFLICT DO NOTHING`,
      }, [history.map((h) => h.orderId), history.map((h) => h.position.toString()), history.map((h) => h.type), history.map((h) => h.status), history.map((h) => h.atMs)]);
    },
  };
};
