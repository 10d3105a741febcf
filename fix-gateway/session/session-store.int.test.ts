import { Pool } from 'pg';
import { createTestDatabase, type TestDatabase } from '../../test/support/pg-database';
import { sqlDatabaseFromPgliteWorker } from '../../infrastructure/pg/pglite-worker';
import { type SqlDatabase, sqlDatabaseFromPool } from '../../infrastructure/pg/sql-client';
import type { NewOrderSingle } from './messages';
import { migrateFixSessionStore, SequenceConflictError, sqlFixSessionStore } from './session-store';

const order = (clOrdId: string): NewOrderSingle => ({ msgType: 'NewOrderSingle', clOrdId, symbol: 'AAPL', side: 'buy', ordType: 'limit', orderQty: '1.5', price: '190.01', timeInForce: 'day', transactTimeMs: 1_767_000_000_000 });

/** The same SQL on the PostgreSQL server (distributed mode) and on PGlite (embedded mode). */
describe.each([
  ['PostgreSQL', async () => {
    const testDb: TestDatabase = await createTestDatabase('fix_store');
    const database = sqlDatabaseFromPool(new Pool({ connectionString: testDb.url, max: 2 }), true);
    return { database, drop: async () => { await database.close(); await testDb.drop(); } };
  }],
  // On a worker thread: jest's sandbox cannot load PGlite in-process.
  ['PGlite', async () => {
    const database = sqlDatabaseFromPgliteWorker();
    return { database, drop: () => database.close() };
  }],
] as const)('FIX session store on %s', (_label, open) => {
  let database: SqlDatabase;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    ({ database, drop } = await open());
    await migrateFixSessionStore(database);
    await migrateFixSessionStore(database); // idempotent
  });
  afterAll(() => drop());

  it('starts a session at 1 and 1, stores application messages with their sequence numbers, and reads a range back', async () => {
    const store = sqlFixSessionStore(database);
    expect(await store.load('s1')).toEqual({ nextSenderSeq: 1, nextTargetSeq: 1 });
    await store.recordSent('s1', [{ seq: 1, sendingTimeMs: 1000 }, { seq: 2, sendingTimeMs: 1000, message: order('a') }], 3);
    await store.recordSent('s1', [{ seq: 3, sendingTimeMs: 2000, message: order('b') }, { seq: 4, sendingTimeMs: 2000 }], 5);
    await store.saveNextTargetSeq('s1', 9);
    expect(await store.load('s1')).toEqual({ nextSenderSeq: 5, nextTargetSeq: 9 });
    expect(await store.readSent('s1', 1, 4)).toEqual([{ seq: 2, sendingTimeMs: 1000, message: order('a') }, { seq: 3, sendingTimeMs: 2000, message: order('b') }]);
    expect(await store.readSent('s1', 3, 3)).toEqual([{ seq: 3, sendingTimeMs: 2000, message: order('b') }]);
    expect(await store.load('s2')).toEqual({ nextSenderSeq: 1, nextTargetSeq: 1 });
  });

  it('refuses a write from a writer whose next sequence number is stale, and writes nothing of it', async () => {
    const store = sqlFixSessionStore(database);
    await store.load('s3');
    await store.recordSent('s3', [{ seq: 1, sendingTimeMs: 1000, message: order('c') }], 2);
    await expect(store.recordSent('s3', [{ seq: 1, sendingTimeMs: 1000, message: order('stale') }], 2)).rejects.toBeInstanceOf(SequenceConflictError);
    await expect(store.recordSent('s3', [{ seq: 5, sendingTimeMs: 1000, message: order('ahead') }], 6)).rejects.toBeInstanceOf(SequenceConflictError);
    expect(await store.readSent('s3', 1, 10)).toEqual([{ seq: 1, sendingTimeMs: 1000, message: order('c') }]);
    expect(await store.load('s3')).toEqual({ nextSenderSeq: 2, nextTargetSeq: 1 });
  });
});
