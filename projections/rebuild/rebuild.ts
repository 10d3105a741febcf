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

/** The events after `from` up to the first at or past `head`; a subscription, so none committed late is skipped. */
const eventsUpTo = async (store: EventStore, from: bigint, head: bigint): Promise<RecordedEvent[]> => {
  const events: RecordedEvent[] = [];
  const stop = new AbortController();
  for await (const event of store.subscribeToAll({ fromPosition: from, signal: stop.signal })) {
    events.push(event);
    if (event.position >= head) stop.abort();
  }
  return events;
};

/**
 * Rebuilds a read model from position 0 into a fresh schema while the live one keeps serving (and its
 * runner keeps applying), catches up with the head, then swaps in one transaction: with the live
 * checkpoint row locked, it applies what the live runner applied since the last catch-up round, drops
 * the old schema, renames the new one into its place and sets the checkpoint to what the new model holds.
 * Readers see the old model or the new one, never one half built nor one older than before.
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
  // The new model must hold at least what the live one holds when it is swapped in, or a reader would see
  // the model step back in time (orders vanish until the runner catches up). So first catch up to the live
  // checkpoint, then, holding its lock (the live runner's next batch waits on it), apply whatever the runner
  // applied meanwhile and swap. Events are read through the store's own connections: the CLI's embedded
  // mode runs with `npm start` stopped, so there the live checkpoint does not move and nothing is read here.
  const liveBefore = (await readCheckpoint(db, projection.name)).position;
  if (liveBefore > position) position = await applyAll(options, schema, position, counter, liveBefore, 'catch-up');
  await db.transaction(async (tx) => {
    const liveAt = (await readCheckpoint(tx, projection.name, true)).position;
    if (liveAt > position) {
      const gap = await eventsUpTo(options.store, position, liveAt);
      if (gap.length > 0) {
        await projection.apply(tx, schema, gap);
        counter.events += gap.length;
        position = gap[gap.length - 1]!.position;
      }
    }
    await tx.query({ text: `DROP SCHEMA IF EXISTS ${live} CASCADE` });
    await tx.query({ text: `ALTER SCHEMA ${schema} RENAME TO ${live}` });
    await writeCheckpoint(tx, projection.name, position, false);
  });
  projection.forget?.();
  await projection.activated?.(db);
  options.onProgress?.({ events: counter.events, position, head: position, phase: 'done' });
  return { events: counter.events, position };
};
