import { groupedWrites } from '../../infrastructure/pg/grouped-writes';
import type { SqlDatabase } from '../../infrastructure/pg/sql-client';

/**
 * Which account an order belongs to: an ExecutionReport names the order (by ClOrdID), not the account
 * stream it is booked on. The engine writes the entry before the order leaves, so every report finds it.
 */
export interface OrderDirectory {
  remember(orderId: string, accountId: string): Promise<void>;
  accountOf(orderId: string): Promise<string | undefined>;
}

/** Bounds the in-process cache in front of the table. */
export const ORDER_DIRECTORY_CACHE_MAX = 100_000;

const SCHEMA = { text: 'CREATE TABLE IF NOT EXISTS engine_order (order_id text PRIMARY KEY, account_id text NOT NULL)' };
/** Entries written per statement when the engine routes many orders at once. */
export const REMEMBERED_PER_STATEMENT_MAX = 1_000;
const REMEMBER = { name: 'engine_order_remember', text: `
  INSERT INTO engine_order (order_id, account_id) SELECT * FROM unnest($1::text[], $2::text[])
  ON CONFLICT (order_id) DO NOTHING` };
const ACCOUNT_OF = { name: 'engine_order_account', text: 'SELECT account_id FROM engine_order WHERE order_id = $1' };

export const migrateOrderDirectory = async (database: SqlDatabase): Promise<void> => {
  await database.query(SCHEMA);
};

export const sqlOrderDirectory = (database: SqlDatabase): OrderDirectory => {
  const cache = new Map<string, string>();
  const store = groupedWrites<{ readonly orderId: string; readonly accountId: string }>(async (entries) => {
    await database.query(REMEMBER, [entries.map((e) => e.orderId), entries.map((e) => e.accountId)]);
  }, REMEMBERED_PER_STATEMENT_MAX);
  const keep = (orderId: string, accountId: string) => {
    if (cache.size >= ORDER_DIRECTORY_CACHE_MAX) cache.delete(cache.keys().next().value as string);
    cache.set(orderId, accountId);
  };
  return {
    remember: async (orderId, accountId) => {
      if (cache.get(orderId) === accountId) return;
      await store({ orderId, accountId });
      keep(orderId, accountId);
    },
    accountOf: async (orderId) => {
      const cached = cache.get(orderId);
      if (cached !== undefined) return cached;
      const { rows } = await database.query<{ account_id: string }>(ACCOUNT_OF, [orderId]);
      const accountId = rows[0]?.account_id;
      if (accountId !== undefined) keep(orderId, accountId);
      return accountId;
    },
  };
};
