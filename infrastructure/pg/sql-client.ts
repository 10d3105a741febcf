import type { Pool, PoolClient } from 'pg';
import type { PGlite, Transaction } from '@electric-sql/pglite';
import { withTransaction } from './with-transaction';

/**
 * The tiny seam that lets one SQL adapter run on a `pg` Pool (server) and on PGlite (in-process
 * WASM PostgreSQL). `name` asks for a prepared statement where the driver keeps them per
 * connection (`pg`); PGlite ignores it.
 */
export type SqlStatement = {
  readonly name?: string; readonly text: string;
  /** 'array': each row is an array of its values in column order, not an object keyed by name (cheaper to build, for hot reads). */
  readonly rowMode?: 'array';
};
export type SqlRows<R> = { readonly rows: R[] };

export interface SqlClient {
  query<R>(statement: SqlStatement, params?: readonly unknown[]): Promise<SqlRows<R>>;
}

export interface SqlDatabase extends SqlClient {
  /** BEGIN, `work` on one connection, COMMIT (ROLLBACK when it throws). PGlite: nobody else's query runs meanwhile. */
  transaction<T>(work: (client: SqlClient) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

const pgClient = (client: Pool | PoolClient): SqlClient => ({
  query: async <R>(statement: SqlStatement, params: readonly unknown[] = []) => {
    const result = await client.query({
      text: statement.text, values: [...params],
      ...(statement.name === undefined ? {} : { name: statement.name }), ...(statement.rowMode === undefined ? {} : { rowMode: statement.rowMode }),
    });
    return { rows: result.rows as R[] };
  },
});

/** A `pg` Pool behind the seam. `close()` ends the pool only when `ownsPool`. */
export const sqlDatabaseFromPool = (pool: Pool, ownsPool: boolean): SqlDatabase => ({
  ...pgClient(pool),
  transaction: (work) => withTransaction(pool, (client) => work(pgClient(client))),
  close: async () => { if (ownsPool) await pool.end(); },
});

/**
 * PGlite has one connection. Its own lock serializes single queries and holds everyone else off
 * for the length of `db.transaction`, so the database can be shared with other users of it
 * (the embedded mode keeps read models in the same PGlite).
 */
export const sqlDatabaseFromPglite = (db: PGlite, ownsDb: boolean): SqlDatabase => {
  const wrap = (target: PGlite | Transaction): SqlClient => ({
    query: async <R>(statement: SqlStatement, params: readonly unknown[] = []) => {
      const result = await target.query<R>(statement.text, [...params], statement.rowMode === undefined ? undefined : { rowMode: statement.rowMode });
      return { rows: result.rows };
    },
  });
  return {
    ...wrap(db),
    transaction: (work) => db.transaction((tx) => work(wrap(tx))),
    close: async () => { if (ownsDb) await db.close(); },
  };
};
