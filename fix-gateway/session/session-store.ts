import type { SqlDatabase } from '../../infrastructure/pg/sql-client';
import type { FixAppMessage } from './messages';

/**
 * Where a FIX session keeps what must survive a crash: its next sequence numbers each way, and every
 * application message it sent (to resend on a ResendRequest). Admin messages are never resent (they are
 * gap-filled), so only their sequence numbers are kept. PostgreSQL in distributed mode, PGlite in
 * embedded mode, through the same SQL.
 */
export type SessionSequences = { readonly nextSenderSeq: number; readonly nextTargetSeq: number };

export type StoredOutgoing = {
  readonly seq: number;
  readonly sendingTimeMs: number;
  /** The application message; absent for an admin message, which a resend gap-fills. */
  readonly message?: FixAppMessage;
};

export interface FixSessionStore {
  load(session: string): Promise<SessionSequences>;
  /**
   * Stores `sent` (consecutive sequence numbers from `sent[0].seq`) and moves the next sender number past
   * them, atomically, only if the stored next sender number is still `sent[0].seq`. Otherwise nothing is
   * written and it throws SequenceConflictError: another process took the session (a fence behind the lease).
   */
  recordSent(session: string, sent: readonly StoredOutgoing[], nextSenderSeq: number): Promise<void>;
  saveNextTargetSeq(session: string, nextTargetSeq: number): Promise<void>;
  /**
   * A sequence reset (Logon with ResetSeqNumFlag): both numbers set outright, and the sent messages moved
   * out of the session (never resent again: the counterparty agreed to start over), into an archive that
   * still answers whether a ClOrdID left.
   */
  reset(session: string, sequences: SessionSequences): Promise<void>;
  /** Stored application messages with fromSeq <= seq <= toSeq, in order. */
  readSent(session: string, fromSeq: number, toSeq: number): Promise<StoredOutgoing[]>;
}

/** Serializes concurrent migrations of processes starting together. */
const MIGRATION_LOCK_KEY = 7_264_110_010;

const SCHEMA_SQL = [
  `CREATE TABLE IF NOT EXISTS fix_session (
     name            text PRIMARY KEY,
     next_sender_seq integer NOT NULL,
     next_target_seq integer NOT NULL
   )`,
  `CREATE TABLE IF NOT EXISTS fix_sent (
     session         text    NOT NULL,
     seq             integer NOT NULL,
     sending_time_ms bigint  NOT NULL,
     message         jsonb   NOT NULL,
     PRIMARY KEY (session, seq)
   )`,
  // The execution engine asks, when it resumes after a crash, whether a ClOrdID already left.
  "CREATE INDEX IF NOT EXISTS fix_sent_cl_ord_id ON fix_sent (session, (message->>'clOrdId'))",
  // Each sequence reset starts an epoch; the messages sent in earlier ones are kept apart.
  'ALTER TABLE fix_session ADD COLUMN IF NOT EXISTS epoch integer NOT NULL DEFAULT 0',
  `CREATE TABLE IF NOT EXISTS fix_sent_archive (
     session         text    NOT NULL,
     epoch           integer NOT NULL,
     seq             integer NOT NULL,
     sending_time_ms bigint  NOT NULL,
     message         jsonb   NOT NULL,
     PRIMARY KEY (session, epoch, seq)
   )`,
  "CREATE INDEX IF NOT EXISTS fix_sent_archive_cl_ord_id ON fix_sent_archive (session, (message->>'clOrdId'))",
];

export const migrateFixSessionStore = (database: SqlDatabase): Promise<void> =>
  database.transaction(async (client) => {
    await client.query({ text: 'SELECT pg_advisory_xact_lock($1)' }, [String(MIGRATION_LOCK_KEY)]);
    for (const text of SCHEMA_SQL) await client.query({ text });
  });

const LOAD = { name: 'fix_session_load', text: `
  INSERT INTO fix_session (name, next_sender_seq, next_target_seq) VALUES ($1, 1, 1)
  ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name
  RETURNING next_sender_seq, next_target_seq` };
export class SequenceConflictError extends Error {
  override readonly name = 'SequenceConflictError';
}

// One statement, so the rows and the sequence number commit together in one round trip; the compare on
// next_sender_seq (re-checked under the row lock) keeps a deposed owner from writing a number twice.
const RECORD_SENT = { name: 'fix_session_record_sent', text: `
  WITH moved AS (
    UPDATE fix_session SET next_sender_seq = $3 WHERE name = $1 AND next_sender_seq = $4 RETURNING 1
  ), stored AS (
    INSERT INTO fix_sent (session, seq, sending_time_ms, message)
    SELECT $1, r.seq, r.sending_time_ms, r.message
      FROM jsonb_to_recordset($2::jsonb) AS r(seq integer, sending_time_ms bigint, message jsonb)
     WHERE EXISTS (SELECT 1 FROM moved)
  )
  SELECT count(*)::int AS moved FROM moved` };
const SAVE_TARGET = { name: 'fix_session_save_target', text: 'UPDATE fix_session SET next_target_seq = $2 WHERE name = $1' };
const RESET = { name: 'fix_session_reset', text: `
  WITH cleared AS (
    DELETE FROM fix_sent WHERE session = $1 RETURNING session, seq, sending_time_ms, message
  ), archived AS (
    INSERT INTO fix_sent_archive (session, epoch, seq, sending_time_ms, message)
    SELECT c.session, s.epoch, c.seq, c.sending_time_ms, c.message FROM cleared c, fix_session s WHERE s.name = $1
  )
  UPDATE fix_session SET next_sender_seq = $2, next_target_seq = $3, epoch = epoch + 1 WHERE name = $1` };
const READ_SENT = { name: 'fix_session_read_sent', text: `
  SELECT seq, sending_time_ms, message FROM fix_sent
   WHERE session = $1 AND seq BETWEEN $2 AND $3 ORDER BY seq` };

export const sqlFixSessionStore = (database: SqlDatabase): FixSessionStore => ({
  load: async (session) => {
    const { rows } = await database.query<{ next_sender_seq: number; next_target_seq: number }>(LOAD, [session]);
    return { nextSenderSeq: Number(rows[0]!.next_sender_seq), nextTargetSeq: Number(rows[0]!.next_target_seq) };
  },
  recordSent: async (session, sent, nextSenderSeq) => {
    const rows = sent.filter((s) => s.message !== undefined).map((s) => ({ seq: s.seq, sending_time_ms: s.sendingTimeMs, message: s.message }));
    const { rows: outcome } = await database.query<{ moved: number }>(RECORD_SENT, [session, JSON.stringify(rows), nextSenderSeq, sent[0]!.seq]);
    if (Number(outcome[0]?.moved) !== 1) throw new SequenceConflictError(`session ${session}: next sender sequence number is no longer ${sent[0]!.seq}`);
  },
  saveNextTargetSeq: async (session, nextTargetSeq) => {
    await database.query(SAVE_TARGET, [session, nextTargetSeq]);
  },
  reset: async (session, sequences) => {
    await database.query(RESET, [session, sequences.nextSenderSeq, sequences.nextTargetSeq]);
  },
  readSent: async (session, fromSeq, toSeq) => {
    const { rows } = await database.query<{ seq: number; sending_time_ms: string; message: FixAppMessage }>(READ_SENT, [session, fromSeq, toSeq]);
    return rows.map((row) => ({ seq: Number(row.seq), sendingTimeMs: Number(row.sending_time_ms), message: row.message }));
  },
});
