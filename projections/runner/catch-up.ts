import type { SqlClient } from '../../infrastructure/pg/sql-client';
import { lowestCheckpoint } from './checkpoints';

/** How often a waiting read looks at the checkpoints again. */
export const CATCH_UP_POLL_MS = 5;

export type CatchUp = { readonly reached: boolean; readonly position: bigint };

/**
 * Waits until every named projection's checkpoint has passed `position`, or `timeoutMs` has gone by;
 * says which, and the lowest checkpoint seen last. Never waits longer than the bound.
 */
export const waitForProjections = async (db: SqlClient, names: readonly string[], position: bigint, timeoutMs: number): Promise<CatchUp> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const low = await lowestCheckpoint(db, names);
    if (low >= position) return { reached: true, position: low };
    const leftMs = deadline - Date.now();
    if (leftMs <= 0) return { reached: false, position: low };
    await new Promise((resolve) => setTimeout(resolve, Math.min(CATCH_UP_POLL_MS, leftMs)));
  }
};
