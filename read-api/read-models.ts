import type { SqlClient } from '../infrastructure/pg/sql-client';

/** A read waits at most this long for the projections to pass its X-Consistency-Position. */
export const CONSISTENCY_WAIT_MS_MAX_DEFAULT = 2_000;

/** What the query routes read: the projections' PostgreSQL (or PGlite) tables, and how long a consistent read may wait. */
export type ReadModels = {
  readonly db: SqlClient;
  readonly consistencyWaitMsMax: number;
};

/** The longest wait anyone may configure: a read must never look hung. */
export const CONSISTENCY_WAIT_MS_CEILING = 30_000;

/** `READ_CONSISTENCY_WAIT_MS` (default CONSISTENCY_WAIT_MS_MAX_DEFAULT); a bad value stops the process naming the variable. */
export const consistencyWaitMsFromEnv = (env: Readonly<Record<string, string | undefined>> = process.env): number => {
  const raw = env.READ_CONSISTENCY_WAIT_MS;
  if (raw === undefined || raw === '') return CONSISTENCY_WAIT_MS_MAX_DEFAULT;
  if (!/^\d{1,5}$/.test(raw) || Number(raw) > CONSISTENCY_WAIT_MS_CEILING) throw new Error(`READ_CONSISTENCY_WAIT_MS must be whole milliseconds from 0 to ${CONSISTENCY_WAIT_MS_CEILING}, got ${raw}`);
  return Number(raw);
};
