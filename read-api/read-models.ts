import type { SqlClient } from '../infrastructure/pg/sql-client';

/** A read waits at most this long for the projections to pass its X-Consistency-Position. */
export const CONSISTENCY_WAIT_MS_MAX_DEFAULT = 2_000;

/** What the query routes read: the projections' PostgreSQL (or PGlite) tables, and how long a consistent read may wait. */
export type ReadModels = {
  readonly db: SqlClient;
  readonly consistencyWaitMsMax: number;
};
