import path from 'node:path';
import { createEventStoreDbEventStore } from '../infrastructure/event-store/eventstoredb';
import { createPostgresEventStore, createSqlEventStore } from '../infrastructure/event-store/postgres';
import type { EventStore } from '../infrastructure/event-store/port';
import { sqlDatabaseFromPgliteWorker } from '../infrastructure/pg/pglite-worker';
import { createPool } from '../infrastructure/pg/pool';
import { sqlDatabaseFromPool, type SqlDatabase } from '../infrastructure/pg/sql-client';

export type ReadSide = { readonly store: EventStore; readonly db: SqlDatabase; readonly mode: 'distributed' | 'embedded'; close(): Promise<void> };

/**
 * What the operator commands (rebuild, replay, verify-audit, grant-role) work on: with `DATABASE_URL`,
 * the server's event store (or EventStoreDB at `EVENTSTORE_URL`) and read models; otherwise the embedded
 * data directory (`DATA_DIR`, default `.data/embedded`), which only one process may open: stop `npm start` first.
 */
export const openReadSide = async (): Promise<ReadSide> => {
  // Not loadConfig: an operator command needs no JWT secret or port, only where the data is.
  const databaseUrl = process.env.DATABASE_URL || undefined;
  const eventStoreUrl = process.env.EVENTSTORE_URL || undefined;
  if (databaseUrl !== undefined) {
    const store = eventStoreUrl !== undefined
      ? createEventStoreDbEventStore({ connectionString: eventStoreUrl })
      : await createPostgresEventStore({ connectionString: databaseUrl, listenForCommits: false });
    const db = sqlDatabaseFromPool(createPool({ connectionString: databaseUrl, max: 4 }, { name: 'read-side' }), true);
    return { store, db, mode: 'distributed', close: async () => { await store.close(); await db.close(); } };
  }
  const dataDir = process.env.DATA_DIR ?? path.resolve(__dirname, '..', '.data', 'embedded');
  const db = sqlDatabaseFromPgliteWorker({ dataDir });
  const store = await createSqlEventStore({ ...db, close: async () => undefined }, { batchesInFlightDefault: 1 });
  return { store, db, mode: 'embedded', close: async () => { await store.close(); await db.close(); } };
};
