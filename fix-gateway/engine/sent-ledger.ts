import type { SqlDatabase } from '../../infrastructure/pg/sql-client';

/**
 * Whether a message with this ClOrdID already left for a venue. The FIX session stores every application
 * message durably before it leaves (and resends it after a gap), so that store is the record: once it holds
 * the message, delivery is the session's job. The engine asks only when it resumes after a crash, for the
 * events between its checkpoint and where it stopped.
 */
export interface SentLedger {
  wasSent(venue: string, clOrdId: string): Promise<boolean>;
}

// Reads the session layer's table (fix-gateway/session/session-store.ts, `fix_sent`); a recovery-time query.
// Messages sent before a sequence reset are in the archive: they left all the same.
const WAS_SENT = { name: 'engine_was_sent', text: `
  SELECT 1 FROM fix_sent WHERE session = $1 AND message->>'clOrdId' = $2
  UNION ALL
  SELECT 1 FROM fix_sent_archive WHERE session = $1 AND message->>'clOrdId' = $2
  LIMIT 1` };

/** `sessionOf` names the FIX session a venue's messages went out on. */
export const sqlSentLedger = (database: SqlDatabase, sessionOf: (venue: string) => string): SentLedger => ({
  wasSent: async (venue, clOrdId) => (await database.query(WAS_SENT, [sessionOf(venue), clOrdId])).rows.length > 0,
});
