import { copyField, createCopyRows } from '../infrastructure/pg/copy-rows';
import { createPool } from '../infrastructure/pg/pool';
import { sqlDatabaseFromPgliteWorker } from '../infrastructure/pg/pglite-worker';
import { sqlDatabaseFromPool, type SqlDatabase } from '../infrastructure/pg/sql-client';
import { createLogger } from '../infrastructure/logging';
import { createTestDatabase, type TestDatabase } from './support/pg-database';

// PGlite starts in tens of seconds on a loaded machine.
jest.setTimeout(120_000);

/** Values COPY's text format gives a meaning to, and some it does not. */
const AWKWARD = ['plain', 'tab\there', 'new\nline', 'carriage\rreturn', 'back\\slash', '\\N', '\\t literally', 'ünïcödé ✓ 株', '{"json":"with \\"quotes\\" and \\\\"}', ''];

describe('COPY rows', () => {
  it('escapes exactly the characters the text format gives a meaning to', () => {
    expect(copyField('AAPL')).toBe('AAPL');
    expect(copyField('a\tb\nc\rd\\e')).toBe('a\\tb\\nc\\rd\\\\e');
    expect(copyField('\\N')).toBe('\\\\N');
  });

  it('keeps every row whole across its buffers, a row longer than one buffer included', () => {
    const rows = createCopyRows();
    const long = 'x'.repeat(5 << 20);
    const expected: string[] = [];
    for (let i = 0; i < 120_000; i += 1) {
      const row = i === 60_000 ? long : `${i}\t${'ü'.repeat(i % 200)}`;
      rows.push(row);
      expected.push(row);
    }
    expect(rows.count).toBe(expected.length);
    const chunks = rows.chunks();
    expect(chunks.length).toBeGreaterThan(2);
    expect(Buffer.concat(chunks).toString('utf8')).toBe(`${expected.join('\n')}\n`);
  });

  const loadsEveryValue = async (db: SqlDatabase) => {
    await db.query({ text: 'CREATE TABLE copied (n int PRIMARY KEY, value text NOT NULL, doc jsonb NOT NULL)' });
    const rows = createCopyRows();
    AWKWARD.forEach((value, n) => rows.push(`${n}\t${copyField(value)}\t${copyField(JSON.stringify({ value }))}`));
    await db.transaction((tx) => tx.query({ text: 'COPY copied (n, value, doc) FROM STDIN', stdin: rows.chunks() }));
    const { rows: back } = await db.query<{ n: number; value: string; doc: { value: string } }>({ text: 'SELECT n, value, doc FROM copied ORDER BY n' });
    expect(back.map((row) => row.value)).toEqual(AWKWARD);
    expect(back.map((row) => row.doc.value)).toEqual(AWKWARD);
  };

  const refusesAndChangesNothing = async (db: SqlDatabase) => {
    const rows = createCopyRows();
    rows.push(`100\tnew\t{}`);
    rows.push(`0\tduplicate key\t{}`);
    await expect(db.query({ text: 'COPY copied (n, value, doc) FROM STDIN', stdin: rows.chunks() })).rejects.toThrow(/duplicate key/);
    const { rows: count } = await db.query<{ count: string }>({ text: 'SELECT count(*)::text AS count FROM copied' });
    expect(count[0]!.count).toBe(String(AWKWARD.length));
  };

  describe('on PostgreSQL', () => {
    let database: TestDatabase;
    let db: SqlDatabase;
    beforeAll(async () => {
      database = await createTestDatabase('copy_rows');
      db = sqlDatabaseFromPool(createPool({ connectionString: database.url, max: 2 }, { name: 'copy-rows-test', logger: createLogger({ level: 'silent' }) }), true);
    });
    afterAll(async () => {
      await db.close();
      await database.drop();
    });
    it('loads every value as it was, through a pool and in a transaction', () => loadsEveryValue(db));
    it('refuses a duplicate row, and the COPY adds none of its rows', () => refusesAndChangesNothing(db));
  });

  describe('on PGlite (worker thread)', () => {
    let db: SqlDatabase;
    beforeAll(() => { db = sqlDatabaseFromPgliteWorker(); });
    afterAll(() => db.close());
    it('loads every value as it was, in a transaction', () => loadsEveryValue(db));
    it('refuses a duplicate row, and the COPY adds none of its rows', () => refusesAndChangesNothing(db));
  });
});
