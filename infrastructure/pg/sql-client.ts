import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Pool, PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
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
  /**
   * For `COPY … FROM STDIN` in `text`: the rows it reads (see copy-rows.ts). The cheapest way to load many
   * new rows: PostgreSQL parses no parameters, and no INSERT plan runs per row.
   */
  readonly stdin?: readonly Uint8Array[];
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

/** pg takes COPY's input as a stream on one connection: a pool lends one for it. */
const copyIn = async (client: Pool | PoolClient, text: string, stdin: readonly Uint8Array[]): Promise<void> => {
  const connection = 'release' in client ? client : await client.connect();
  try {
    await pipeline(Readable.from(stdin), connection.query(copyFrom(text)));
  } finally {
    if (connection !== client) connection.release();
  }
};

const pgClient = (client: Pool | PoolClient): SqlClient => ({
  query: async <R>(statement: SqlStatement, params: readonly unknown[] = []) => {
    if (statement.stdin !== undefined) {
      await copyIn(client, statement.text, statement.stdin);
      return { rows: [] };
    }
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

/** PGlite reads a COPY's input from its `/dev/blob` device, which the query's `blob` option fills. */
export const pgliteCopyText = (text: string): string => {
  const copy = text.replace(/\bFROM\s+STDIN\b/i, "FROM '/dev/blob'");
  if (copy === text) throw new Error(`a statement with stdin must read it: COPY … FROM STDIN, got ${text}`);
  return copy;
};

/**
 * PGlite has one connection. Its own lock serializes single queries and holds everyone else off
 * for the length of `db.transaction`, so the database can be shared with other users of it
 * (the embedded mode keeps read models in the same PGlite).
 */
export const sqlDatabaseFromPglite = (db: PGlite, ownsDb: boolean): SqlDatabase => {
  const wrap = (target: PGlite | Transaction): SqlClient => ({
    query: async <R>(statement: SqlStatement, params: readonly unknown[] = []) => {
      if (statement.stdin !== undefined) {
        await target.query(pgliteCopyText(statement.text), [], { blob: new Blob([...statement.stdin]) });
        return { rows: [] };
      }
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
