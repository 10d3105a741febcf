import type { SqlDatabase } from '../../infrastructure/pg/sql-client';

/**
 * What the execution engine keeps across a restart, in PostgreSQL (PGlite embedded): how far into the
 * event store it has acted, and the stops it holds (placed, not yet triggered, cancelled or expired).
 */
export type HeldStop = { readonly orderId: string; readonly accountId: string };

export interface EngineStore {
  checkpoint(name: string): Promise<bigint>;
  saveCheckpoint(name: string, position: bigint): Promise<void>;
  holdStop(stop: HeldStop): Promise<void>;
  releaseStop(orderId: string): Promise<void>;
  heldStops(): Promise<HeldStop[]>;
}

const SCHEMA = [
  { text: 'CREATE TABLE IF NOT EXISTS engine_checkpoint (name text PRIMARY KEY, position bigint NOT NULL)' },
  { text: 'CREATE TABLE IF NOT EXISTS engine_held_stop (order_id text PRIMARY KEY, account_id text NOT NULL)' },
];
const CHECKPOINT = { name: 'engine_checkpoint_read', text: 'SELECT position FROM engine_checkpoint WHERE name = $1' };
// Only forwards: a slow writer of an older position never moves the checkpoint back.
const SAVE_CHECKPOINT = { name: 'engine_checkpoint_save', text: `
  INSERT INTO engine_checkpoint (name, position) VALUES ($1, $2)
  ON CONFLICT (name) DO UPDATE SET position = GREATEST(engine_checkpoint.position, EXCLUDED.position)` };
const HOLD = { name: 'engine_stop_hold', text: 'INSERT INTO engine_held_stop (order_id, account_id) VALUES ($1, $2) ON CONFLICT (order_id) DO NOTHING' };
const RELEASE = { name: 'engine_stop_release', text: 'DELETE FROM engine_held_stop WHERE order_id = $1' };
const HELD = { name: 'engine_stop_all', text: 'SELECT order_id, account_id FROM engine_held_stop ORDER BY order_id' };

export const migrateEngineStore = async (database: SqlDatabase): Promise<void> => {
  for (const statement of SCHEMA) await database.query(statement);
};

export const sqlEngineStore = (database: SqlDatabase): EngineStore => ({
  checkpoint: async (name) => {
    const { rows } = await database.query<{ position: string }>(CHECKPOINT, [name]);
    return rows[0] === undefined ? 0n : BigInt(rows[0].position);
  },
  saveCheckpoint: async (name, position) => { await database.query(SAVE_CHECKPOINT, [name, position.toString()]); },
  holdStop: async (stop) => { await database.query(HOLD, [stop.orderId, stop.accountId]); },
  releaseStop: async (orderId) => { await database.query(RELEASE, [orderId]); },
  heldStops: async () => (await database.query<{ order_id: string; account_id: string }>(HELD)).rows.map((r) => ({ orderId: r.order_id, accountId: r.account_id })),
});
