import type { EventStore, RecordedEvent } from '../../infrastructure/event-store/port';
import type { SqlDatabase } from '../../infrastructure/pg/sql-client';
import { ensureCheckpoint, migrateCheckpoints, readCheckpoint, writeCheckpoint } from '../runner/checkpoints';
import { liveSchemaOf, schemaIdentifier, type Projection } from '../runner/projection';

/** Events per rebuild transaction: bigger than the live runner's, since nobody waits on a rebuild's commits. */
export const REBUILD_BATCH_EVENTS = 20_000;
/** Catch-up rounds before the swap: each round applies what arrived during the previous one; the swap applies the rest under the lock. */
export const CATCH_UP_ROUNDS_MAX = 5;

export type RebuildProgress = { readonly events: number; readonly position: bigint; readonly head: bigint; readonly phase: 'scan' | 'catch-up' | 'swap' | 'done' };

export type RebuildOptions = {
  readonly store: EventStore;
  readonly db: SqlDatabase;
  /** A fresh instance: its caches must not be shared with a live runner. */
  readonly projection: Projection;
  readonly onProgress?: (progress: RebuildProgress) => void;
  /** Build into this schema and stop there, without swapping (to compare with the live model). */
  readonly intoSchemaOnly?: string;
};

const rebuildSchemaOf = (name: string): string => schemaIdentifier(`rm_${name}_rebuild`);

/** Applies the events after `from` into `schema` in batches, each in its own transaction. Returns the last position applied. */
const applyAll = async (
  options: RebuildOptions, schema: string, from: bigint, counter: { events: number }, head: bigint, phase: RebuildProgress['phase'],
): Promise<bigint> => {
  let position = from;
  let batch: RecordedEvent[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const events = batch;
    batch = [];
    await options.db.transaction((client) => options.projection.apply(client, schema, events));
    counter.events += events.length;
    position = events[events.length - 1]!.position;
    options.onProgress?.({ events: counter.events, position, head, phase });
  };
  if (head <= from) return position;
  // subscribeToAll, not readAll: it never skips an event a slower transaction commits late below the head.
  const stop = new AbortController();
  for await (const event of options.store.subscribeToAll({ fromPosition: from, signal: stop.signal })) {
    batch.push(event);
    if (batch.length >= REBUILD_BATCH_EVENTS) await flush();
    if (event.position >= head) stop.abort();
  }
  await flush();
  return position;
};

/**
 * Rebuilds a read model from position 0 into a fresh schema while the live one keeps serving (and its
 * runner keeps applying), catches up with the head, then swaps in one transaction: with the live
 * checkpoint row locked, it drops the old schema, renames the new one into its place and sets the
 * checkpoint to what the new model holds. The runner's next batch finds the checkpoint moved and
 * restarts from it, applying the few events that arrived since the last catch-up round. Readers see
 * the old model or the new one, never one half built. No event is read inside the swap: embedded
 * mode's PGlite has one connection, which the swap transaction holds.
 */
export const rebuildProjection = async (options: RebuildOptions): Promise<{ readonly events: number; readonly position: bigint }> => {
  const { db, projection } = options;
  const schema = options.intoSchemaOnly === undefined ? rebuildSchemaOf(projection.name) : schemaIdentifier(options.intoSchemaOnly);
  await db.query({ text: `DROP SCHEMA IF EXISTS ${schema} CASCADE` });
  await db.query({ text: `CREATE SCHEMA ${schema}` });
  await db.transaction((tx) => projection.migrate(tx, schema));
  const counter = { events: 0 };
  let head = (await options.store.headPosition()).position;
  let position = await applyAll(options, schema, 0n, counter, head, 'scan');
  for (let round = 0; round < CATCH_UP_ROUNDS_MAX; round += 1) {
    head = (await options.store.headPosition()).position;
    if (head <= position) break;
    position = await applyAll(options, schema, position, counter, head, 'catch-up');
  }
  if (options.intoSchemaOnly !== undefined) return { events: counter.events, position };

  const live = liveSchemaOf(projection.name);
  await migrateCheckpoints(db);
  await ensureCheckpoint(db, projection.name);
  options.onProgress?.({ events: counter.events, position, head, phase: 'swap' });
  await db.transaction(async (tx) => {
    await readCheckpoint(tx, projection.name, true);
    await tx.query({ text: `DROP SCHEMA IF EXISTS ${live} CASCADE` });
    await tx.query({ text: `ALTER SCHEMA ${schema} RENAME TO ${live}` });
    await writeCheckpoint(tx, projection.name, position, false);
  });
  projection.forget?.();
  options.onProgress?.({ events: counter.events, position, head: position, phase: 'done' });
  return { events: counter.events, position };
};
