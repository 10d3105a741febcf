import type { SqlDatabase } from '../../pg/sql-client';
import { APPEND_BATCH_FUNCTION_SQL } from './append-sql';
import { MIGRATION_LOCK_KEY, SCHEMA_SQL } from './schema';

/** Idempotent: creates what is missing and (re)defines the append function, touches nothing else. Run on every start. */
export const migrateEventStore = (database: SqlDatabase): Promise<void> =>
  database.transaction(async (client) => {
    await client.query({ text: 'SELECT pg_advisory_xact_lock($1)' }, [String(MIGRATION_LOCK_KEY)]);
    for (const text of [...SCHEMA_SQL, APPEND_BATCH_FUNCTION_SQL]) await client.query({ text });
  });
