import type { SqlClient } from '../../infrastructure/pg/sql-client';
import { liveSchemaOf } from '../runner/projection';
import { auditHash, GENESIS_HASH } from './chain';
import { AUDIT_PROJECTION } from './model';

/** Rows read per query while verifying: the log is walked in keyset pages, never loaded whole. */
export const VERIFY_PAGE_ROWS = 5_000;

export type BrokenRow = { readonly accountId: string; readonly seq: number; readonly position: string; readonly reason: string };
export type AuditVerification = { readonly rows: number; readonly accounts: number; readonly broken: BrokenRow | null };

type Row = Record<string, string | null>;

/** Recomputes every account's hash chain in order; stops at the first row whose link or hash does not hold. */
export const verifyAuditLog = async (db: SqlClient, onProgress?: (rows: number) => void, schema = liveSchemaOf(AUDIT_PROJECTION)): Promise<AuditVerification> => {
  let rows = 0;
  let accounts = 0;
  let after: { accountId: string; seq: string } | null = null;
  let current: { accountId: string; seq: number; hash: string } | null = null;
  for (;;) {
    const page: { rows: Row[] } = await db.query<Row>({
      text: `SELECT account_id::text, seq::text AS seq, position::text AS position, event_id, event_type, actor, correlation_id, causation_id, at_ms::text AS at_ms, payload, prev_hash, hash
        FROM ${schema}.audit_log a WHERE ($1::uuid IS NULL OR (a.account_id, a.seq) > ($1::uuid, $2::bigint)) ORDER BY a.account_id, a.seq LIMIT ${VERIFY_PAGE_ROWS}`,
    }, [after?.accountId ?? null, after?.seq ?? null]);
    for (const row of page.rows) {
      const accountId = row.account_id!;
      const seq = Number(row.seq);
      if (current === null || current.accountId !== accountId) { current = { accountId, seq: 0, hash: GENESIS_HASH }; accounts += 1; }
      const broken = (reason: string): AuditVerification => ({ rows, accounts, broken: { accountId, seq, position: row.position!, reason } });
      if (seq !== current.seq + 1) return broken(`sequence jumps from ${current.seq} to ${seq}: a row is missing`);
      if (row.prev_hash !== current.hash) return broken('prev_hash does not link to the row before');
      const hash = auditHash(current.hash, {
        accountId, seq, position: row.position!, eventId: row.event_id!, eventType: row.event_type!, actor: row.actor ?? null,
        correlationId: row.correlation_id ?? null, causationId: row.causation_id ?? null, atMs: Number(row.at_ms), payload: row.payload!,
      });
      if (hash !== row.hash) return broken('content does not match its hash: the row was altered');
      current = { accountId, seq, hash };
      rows += 1;
    }
    onProgress?.(rows);
    const last = page.rows[page.rows.length - 1];
    if (last === undefined || page.rows.length < VERIFY_PAGE_ROWS) return { rows, accounts, broken: null };
    after = { accountId: last.account_id!, seq: last.seq! };
  }
};
