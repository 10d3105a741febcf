import type { RecordedEvent } from '../../infrastructure/event-store/port';
import type { SqlClient } from '../../infrastructure/pg/sql-client';
import { accountIdOfStream } from '../account-fold/account-events';
import { accountFacts } from '../account-fold/account-events';
import type { Projection } from '../runner/projection';
import { auditHash, GENESIS_HASH, type AuditEntry } from './chain';
import { complianceViewsOf } from './compliance-views';

export const AUDIT_PROJECTION = 'audit';

/**
 * The audit log: every account event (decoded by the account codecs, so every row is a valid fact) and
 * every compliance read of the account, append-only and hash-chained per account. A trigger refuses
 * UPDATE, DELETE and TRUNCATE; `npm run verify-audit` recomputes the chains and names the first broken row.
 */
export const migrateAudit = async (db: SqlClient, schema: string): Promise<void> => {
  await db.query({ text: `CREATE TABLE IF NOT EXISTS ${schema}.audit_log (
    account_id uuid NOT NULL,
    seq bigint NOT NULL,
    position bigint NOT NULL,
    event_id text NOT NULL,
    event_type text NOT NULL,
    actor text,
    correlation_id text,
    causation_id text,
    at_ms bigint NOT NULL,
    payload text NOT NULL,
    prev_hash text NOT NULL,
    hash text NOT NULL,
    PRIMARY KEY (account_id, seq)
  )` });
  await db.query({ text: `CREATE OR REPLACE FUNCTION ${schema}.audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege'; END $$` });
  await db.query({ text: `DROP TRIGGER IF EXISTS audit_log_no_change ON ${schema}.audit_log` });
  await db.query({ text: `CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON ${schema}.audit_log FOR EACH ROW EXECUTE FUNCTION ${schema}.audit_log_append_only()` });
  await db.query({ text: `DROP TRIGGER IF EXISTS audit_log_no_truncate ON ${schema}.audit_log` });
  await db.query({ text: `CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON ${schema}.audit_log FOR EACH STATEMENT EXECUTE FUNCTION ${schema}.audit_log_append_only()` });
};

type Pending = Omit<AuditEntry, 'seq'>;

const metaString = (value: unknown): string | null => (typeof value === 'string' ? value : null);

const entriesOf = (events: readonly RecordedEvent[]): Pending[] => {
  const accountEvents = new Set(accountFacts(events).map((fact) => fact.recorded.id));
  return events.flatMap((recorded): Pending[] => {
    const base = {
      position: recorded.position.toString(), eventId: recorded.id, eventType: recorded.type, actor: metaString(recorded.metadata.actor),
      correlationId: metaString(recorded.metadata.correlationId), causationId: metaString(recorded.metadata.causationId), payload: JSON.stringify(recorded.data),
    };
    if (accountEvents.has(recorded.id)) {
      const atMs = (recorded.data as { atMs?: unknown }).atMs;
      return [{ ...base, accountId: accountIdOfStream(recorded.streamId)!, atMs: typeof atMs === 'number' ? atMs : recorded.createdAtMs }];
    }
    return complianceViewsOf(recorded).map((view) => ({ ...base, accountId: view.accountId, atMs: view.atMs }));
  });
};

export const createAuditProjection = (): Projection => ({
  name: AUDIT_PROJECTION,
  migrate: migrateAudit,
  apply: async (tx, schema, events) => {
    const pending = entriesOf(events);
    if (pending.length === 0) return;
    const accountIds = [...new Set(pending.map((p) => p.accountId))];
    const { rows } = await tx.query<{ account_id: string; seq: string; hash: string }>({
      text: `SELECT DISTINCT ON (a.account_id) a.account_id::text AS account_id, a.seq::text AS seq, a.hash FROM ${schema}.audit_log a WHERE a.account_id = ANY($1::uuid[]) ORDER BY a.account_id, a.seq DESC`,
    }, [accountIds]);
    const tails = new Map(rows.map((row) => [row.account_id, { seq: Number(row.seq), hash: row.hash }]));
    const inserted: Array<AuditEntry & { prevHash: string; hash: string }> = [];
    for (const entry of pending) {
      const tail = tails.get(entry.accountId) ?? { seq: 0, hash: GENESIS_HASH };
      const full: AuditEntry = { ...entry, seq: tail.seq + 1 };
      const hash = auditHash(tail.hash, full);
      inserted.push({ ...full, prevHash: tail.hash, hash });
      tails.set(entry.accountId, { seq: full.seq, hash });
    }
    await tx.query({
      text: `INSERT INTO ${schema}.audit_log (account_id, seq, position, event_id, event_type, actor, correlation_id, causation_id, at_ms, payload, prev_hash, hash)
        SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::bigint[], $10::text[], $11::text[], $12::text[])`,
    }, [
      inserted.map((e) => e.accountId), inserted.map((e) => e.seq), inserted.map((e) => e.position), inserted.map((e) => e.eventId), inserted.map((e) => e.eventType),
      inserted.map((e) => e.actor), inserted.map((e) => e.correlationId), inserted.map((e) => e.causationId), inserted.map((e) => e.atMs),
      inserted.map((e) => e.payload), inserted.map((e) => e.prevHash), inserted.map((e) => e.hash),
    ]);
  },
});
