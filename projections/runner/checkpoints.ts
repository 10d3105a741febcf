import type { SqlClient } from '../../infrastructure/pg/sql-client';

/**
 * One row per projection: the global position of the last event its model reflects. Written in the
 * same transaction as the model's rows, so a crash replays a batch cleanly and never counts it twice.
 * `needs_rebuild` is set by tools that change positions (the store mover renumbers them): the runner
 * then builds the model again from position 0.
 */
export const migrateCheckpoints = async (db: SqlClient): Promise<void> => {
  await db.query({ text: `CREATE TABLE IF NOT EXISTS projection_checkpoints (
    name text PRIMARY KEY,
    position bigint NOT NULL DEFAULT 0,
    needs_rebuild boolean NOT NULL DEFAULT false,
    updated_at timestamptz NOT NULL DEFAULT now()
  )` });
};

export type Checkpoint = { readonly position: bigint; readonly needsRebuild: boolean };

export const ensureCheckpoint = async (db: SqlClient, name: string): Promise<void> => {
  await db.query({ text: 'INSERT INTO projection_checkpoints (name) VALUES ($1) ON CONFLICT (name) DO NOTHING' }, [name]);
};

export const readCheckpoint = async (db: SqlClient, name: string, forUpdate = false): Promise<Checkpoint> => {
  const { rows } = await db.query<{ position: string; needs_rebuild: boolean }>(
    { text: `SELECT position::text AS position, needs_rebuild FROM projection_checkpoints WHERE name = $1${forUpdate ? ' FOR UPDATE' : ''}` }, [name]);
  const row = rows[0];
  if (row === undefined) throw new Error(`checkpoint row missing for ${name}`);
  return { position: BigInt(row.position), needsRebuild: row.needs_rebuild };
};

export const writeCheckpoint = async (db: SqlClient, name: string, position: bigint, needsRebuild = false): Promise<void> => {
  await db.query({ text: 'UPDATE projection_checkpoints SET position = $2, needs_rebuild = $3, updated_at = now() WHERE name = $1' }, [name, position.toString(), needsRebuild]);
};

/** The lowest checkpoint among `names` (0n when one is missing): what a read over those models reflects. */
export const lowestCheckpoint = async (db: SqlClient, names: readonly string[]): Promise<bigint> => {
  const { rows } = await db.query<{ name: string; position: string }>(
    { text: 'SELECT name, position::text AS position FROM projection_checkpoints WHERE name = ANY($1)' }, [[...names]]);
  if (rows.length < names.length) return 0n;
  return rows.reduce((low, row) => (BigInt(row.position) < low ? BigInt(row.position) : low), BigInt(rows[0]!.position));
};
