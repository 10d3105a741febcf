import type { RecordedEvent } from '../../infrastructure/event-store/port';
import type { SqlClient } from '../../infrastructure/pg/sql-client';

/**
 * A read model: its name (also its checkpoint's), the PostgreSQL schema its tables live in, and what it
 * does with a batch of events. Every table of a model lives in one schema of its own, so a rebuild can
 * fill a fresh schema and swap it in by renaming, readers seeing either the old model or the new one.
 */
export type Projection = {
  readonly name: string;
  /** Creates the model's tables in `schema` (an identifier checked by `schemaIdentifier`), if absent. */
  migrate(db: SqlClient, schema: string): Promise<void>;
  /**
   * Indexes the model's reads use and none of its writes needs: created after `migrate` (see `migrateProjection`),
   * except in a rebuild, which loads the tables without them and builds them once its scan is done (one sorted
   * build of an index costs far less than keeping it through a million inserts).
   */
  indexes?(db: SqlClient, schema: string): Promise<void>;
  /**
   * Applies the batch inside the runner's transaction, which also moves the checkpoint to the batch's
   * last position. `events` are every event of the batch in global order; a model keeps what it wants.
   */
  apply(tx: SqlClient, schema: string, events: readonly RecordedEvent[]): Promise<void>;
  /** Forgets per-process caches built from the tables (after a reset, a rebuild swap, or a rolled back batch). */
  forget?(): void;
  /**
   * A rebuild's way in, for a model whose rows are per account: events are folded in memory across many
   * pages and the rows written once per `flush`, instead of once per batch. Without it a rebuild applies
   * batches as the runner does.
   */
  bulk?(schema: string): BulkApply;
  /** Called once a rebuild swapped a fresh model in: a model kept outside PostgreSQL (Redis) switches its readers to it. */
  activated?(db: SqlClient): Promise<void>;
};

/** What a rebuild holds between writes: see Projection.bulk. Applying events through it ends in the same rows as `apply`. */
export type BulkApply = {
  /** Folds the events (in global order, after those added before) in memory; reads what it lacks from `db`. */
  add(db: SqlClient, events: readonly RecordedEvent[]): Promise<void>;
  /** Rows held in memory, not yet written (and the per-account states once too many are held to keep). */
  pending(): number;
  /**
   * Lets go of what is held and hands back its write. Folding may go on while it runs (a rebuild writes
   * on another connection meanwhile), so what it writes is fixed when it is taken. `'rows'` (a write
   * because memory filled up) leaves the per-account states it folds from in memory while they fit, since
   * the next pages change them again; `'all'` (the end of a phase) writes them too.
   */
  take(scope: 'rows' | 'all'): BulkWrite;
};

/**
 * Writes taken from a BulkApply run one at a time, in the order taken. `db` commits each statement on its
 * own (see the rebuild's writer): a write must not rely on its statements landing together.
 */
export type BulkWrite = {
  write(db: SqlClient): Promise<void>;
  /** Called once the write's transaction committed: what it wrote may now be read back from the tables. */
  committed(): void;
};

/** The model's tables and all their indexes in `schema`, if absent. */
export const migrateProjection = async (db: SqlClient, projection: Projection, schema: string): Promise<void> => {
  await projection.migrate(db, schema);
  await projection.indexes?.(db, schema);
};

const SCHEMA_NAME_PATTERN = /^[a-z][a-z0-9_]{0,50}$/;

/** The schema a projection's live tables live in: `rm_<name>`. */
export const liveSchemaOf = (name: string): string => schemaIdentifier(`rm_${name}`);

/** Refuses anything but a plain lower-case identifier, since schema names are spliced into SQL text. */
export const schemaIdentifier = (name: string): string => {
  if (!SCHEMA_NAME_PATTERN.test(name)) throw new Error(`not a schema name: ${name}`);
  return name;
};
