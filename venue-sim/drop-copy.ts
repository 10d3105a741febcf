import type { SqlDatabase } from '../infrastructure/pg/sql-client';
import type { ExecutionReport } from '../fix-gateway/session/messages';

/**
 * The venue's drop copy: every execution it reports, kept in PostgreSQL (PGlite in embedded mode) before the
 * report leaves, for end-of-day reconciliation against the fills the broker booked. Writes are grouped:
 * reports arriving while one insert runs go together in the next, one statement each.
 */
export const DROP_COPY_BATCH_MAX = 1_000;

const SCHEMA_SQL = [
  `CREATE TABLE IF NOT EXISTS venue_drop_copy (
     venue            text   NOT NULL,
     exec_id          text   NOT NULL,
     order_id         text   NOT NULL,
     cl_ord_id        text   NOT NULL,
     orig_cl_ord_id   text,
     exec_type        text   NOT NULL,
     ord_status       text   NOT NULL,
     symbol           text   NOT NULL,
     side             text   NOT NULL,
     last_qty         numeric,
     last_px          numeric,
     leaves_qty       numeric NOT NULL,
     cum_qty          numeric NOT NULL,
     avg_px           numeric NOT NULL,
     text             text,
     transact_time_ms bigint NOT NULL,
     recorded         bigserial,
     PRIMARY KEY (venue, exec_id)
   )`,
  'CREATE INDEX IF NOT EXISTS venue_drop_copy_order ON venue_drop_copy (venue, order_id)',
];
const MIGRATION_LOCK_KEY = 7_264_110_011;

export const migrateDropCopy = (database: SqlDatabase): Promise<void> =>
  database.transaction(async (client) => {
    await client.query({ text: 'SELECT pg_advisory_xact_lock($1)' }, [String(MIGRATION_LOCK_KEY)]);
    for (const text of SCHEMA_SQL) await client.query({ text });
  });

const INSERT = { name: 'venue_drop_copy_insert', text: `
  INSERT INTO venue_drop_copy (venue, exec_id, order_id, cl_ord_id, orig_cl_ord_id, exec_type, ord_status, symbol, side,
                               last_qty, last_px, leaves_qty, cum_qty, avg_px, text, transact_time_ms)
  SELECT $1, r.exec_id, r.order_id, r.cl_ord_id, r.orig_cl_ord_id, r.exec_type, r.ord_status, r.symbol, r.side,
         r.last_qty, r.last_px, r.leaves_qty, r.cum_qty, r.avg_px, r.text, r.transact_time_ms
    FROM jsonb_to_recordset($2::jsonb) AS r(exec_id text, order_id text, cl_ord_id text, orig_cl_ord_id text, exec_type text,
         ord_status text, symbol text, side text, last_qty numeric, last_px numeric, leaves_qty numeric, cum_qty numeric,
         avg_px numeric, text text, transact_time_ms bigint)
  ON CONFLICT (venue, exec_id) DO NOTHING` };

export type DropCopyRow = {
  readonly execId: string; readonly orderId: string; readonly clOrdId: string; readonly execType: string; readonly ordStatus: string;
  readonly symbol: string; readonly side: string; readonly lastQty: string | null; readonly lastPx: string | null; readonly cumQty: string;
};

export class DropCopy {
  private pending: { reports: readonly ExecutionReport[]; resolve(): void; reject(error: unknown): void }[] = [];
  private writing: Promise<void> | undefined;

  constructor(private readonly database: SqlDatabase, readonly venue: string) {}

  /** Resolves once `reports` are stored. */
  record(reports: readonly ExecutionReport[]): Promise<void> {
    if (reports.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.pending.push({ reports, resolve, reject });
      this.kick();
    });
  }

  private kick(): void {
    if (this.writing !== undefined) return;
    this.writing = this.write().finally(() => {
      this.writing = undefined;
      if (this.pending.length > 0) this.kick();
    });
  }

  private async write(): Promise<void> {
    const batch = this.pending.splice(0, DROP_COPY_BATCH_MAX);
    const rows = batch.flatMap((item) => item.reports.map((r) => ({
      exec_id: r.execId, order_id: r.orderId, cl_ord_id: r.clOrdId, orig_cl_ord_id: r.origClOrdId ?? null, exec_type: r.execType,
      ord_status: r.ordStatus, symbol: r.symbol, side: r.side, last_qty: r.lastQty ?? null, last_px: r.lastPx ?? null,
      leaves_qty: r.leavesQty, cum_qty: r.cumQty, avg_px: r.avgPx, text: r.text ?? null, transact_time_ms: r.transactTimeMs,
    })));
    try {
      await this.database.query(INSERT, [this.venue, JSON.stringify(rows)]);
      for (const item of batch) item.resolve();
    } catch (error) {
      for (const item of batch) item.reject(error);
    }
  }

  /** Every execution of this venue, in the order it was reported, for reconciliation. */
  async read(): Promise<DropCopyRow[]> {
    const { rows } = await this.database.query<Record<string, string | null>>({ text: `
      SELECT exec_id, order_id, cl_ord_id, exec_type, ord_status, symbol, side, last_qty::text, last_px::text, cum_qty::text
        FROM venue_drop_copy WHERE venue = $1 ORDER BY recorded` }, [this.venue]);
    return rows.map((row) => ({
      execId: row.exec_id!, orderId: row.order_id!, clOrdId: row.cl_ord_id!, execType: row.exec_type!, ordStatus: row.ord_status!,
      symbol: row.symbol!, side: row.side!, lastQty: row.last_qty ?? null, lastPx: row.last_px ?? null, cumQty: row.cum_qty!,
    }));
  }
}
