import type { EventStore, RecordedEvent } from '../../infrastructure/event-store/port';
import type { SqlDatabase } from '../../infrastructure/pg/sql-client';
import { ensureCheckpoint, migrateCheckpoints, readCheckpoint, writeCheckpoint } from '../runner/checkpoints';
import { liveSchemaOf, schemaIdentifier, type BulkApply, type BulkWrite, type Projection } from '../runner/projection';

/** Events per page a rebuild reads (one keyset query each) and, for a model without a bulk path, per transaction. */
export const REBUILD_PAGE_EVENTS = 10_000;
/** Pages read ahead of the model: the next query runs while the model folds a page or writes. */
const PAGES_AHEAD = 3;
/** Rows and account states a bulk rebuild holds in memory before writing them (a few hundred megabytes at most). */
export const BULK_PENDING_ROWS_MAX = 150_000;
/** Catch-up rounds before the swap: each round applies what arrived during the previous one; the swap applies the rest under the lock. */
export const CATCH_UP_ROUNDS_MAX = 5;

export type RebuildProgress = { readonly events: number; readonly position: bigint; readonly head: bigint; readonly phase: 'scan' | 'index' | 'catch-up' | 'swap' | 'done' };

export type RebuildOptions = {
  readonly store: EventStore;
  readonly db: SqlDatabase;
  /** A fresh instance: its caches must not be shared with a live runner. */
  readonly projection: Projection;
  readonly onProgress?: (progress: RebuildProgress) => void;
  /** Build into this schema and stop there, without swapping (to compare with the live model). */
  readonly intoSchemaOnly?: string;
  /** Overrides REBUILD_PAGE_EVENTS and BULK_PENDING_ROWS_MAX (tests make them small to cross many pages and writes). */
  readonly pageEvents?: number;
  readonly pendingRowsMax?: number;
};

const rebuildSchemaOf = (name: string): string => schemaIdentifier(`rm_${name}_rebuild`);

/**
 * The events after `from` up to the first at or past `head`, in pages, read ahead of the caller. A
 * subscription, not readAll: it never skips an event a slower transaction commits late below the head.
 */
async function* pagesUpTo(store: EventStore, from: bigint, head: bigint, pageSize: number): AsyncGenerator<RecordedEvent[]> {
  const stop = new AbortController();
  const ready: RecordedEvent[][] = [];
  let done = false;
  let failure: unknown;
  let wakeConsumer: (() => void) | undefined;
  let wakeReader: (() => void) | undefined;
  const reader = (async () => {
    let page: RecordedEvent[] = [];
    try {
      for await (const event of store.subscribeToAll({ fromPosition: from, signal: stop.signal, pageSize })) {
        page.push(event);
        const last = event.position >= head;
        if (page.length >= pageSize || last) { ready.push(page); page = []; wakeConsumer?.(); }
        if (last) break;
        while (ready.length >= PAGES_AHEAD && !stop.signal.aborted) await new Promise<void>((resolve) => { wakeReader = resolve; });
        if (stop.signal.aborted) break;
      }
    } catch (error) {
      failure = error;
    } finally {
      if (page.length > 0) ready.push(page);
      done = true;
      wakeConsumer?.();
    }
  })();
  try {
    for (;;) {
      const page = ready.shift();
      if (page !== undefined) { wakeReader?.(); yield page; continue; }
      if (done) break;
      await new Promise<void>((resolve) => { wakeConsumer = resolve; });
    }
    if (failure !== undefined) throw failure;
  } finally {
    stop.abort();
    wakeReader?.();
    await reader;
  }
}

/**
 * One bulk write at a time while the caller folds on: PostgreSQL writes the rows taken from the last pages
 * (on a few of the pool's connections at once, see account-model.ts) while node folds the next pages.
 * `settled` waits for the write in flight and throws its failure.
 *
 * Each of a write's statements (a few thousand rows) commits on its own, with no transaction around them.
 * The store's subscribers see an event only once every transaction that began before it has ended, on the
 * whole server (`pg_snapshot_xmin`), so one transaction around half a million rows held every live
 * projection, every read-after-write wait and the rebuild's own catch-up for as long as it ran (40 s seen
 * under load). Nobody reads the rebuild's schema until the swap, and a rebuild that fails starts again
 * from a dropped schema, so the write loses nothing by not being atomic.
 */
const createWriter = (db: SqlDatabase) => {
  let inFlight: Promise<void> = Promise.resolve();
  const settled = () => inFlight;
  return {
    settled,
    /** Waits for the write before (so at most two sets of rows are in memory), then starts this one. */
    start: async (taken: BulkWrite): Promise<void> => {
      await inFlight;
      inFlight = taken.write(db).then(() => taken.committed());
      // Awaited by the next start or settled(); this only keeps a failure meanwhile from counting as unhandled.
      inFlight.catch(() => undefined);
    },
  };
};

/**
 * Applies the events after `from` up to `head` into `schema`. A model with a bulk path folds them in
 * memory and writes its rows once per BULK_PENDING_ROWS_MAX (and at the end), in the background while
 * it folds the next pages; any other applies each page in its own transaction. Returns the last position
 * applied; everything up to it is committed.
 */
const applyAll = async (
  options: RebuildOptions, schema: string, bulk: BulkApply | undefined, from: bigint, counter: { events: number }, head: bigint, phase: RebuildProgress['phase'],
): Promise<bigint> => {
  if (head <= from) return from;
  const pendingRowsMax = options.pendingRowsMax ?? BULK_PENDING_ROWS_MAX;
  const writer = createWriter(options.db);
  let position = from;
  try {
    for await (const page of pagesUpTo(options.store, from, head, options.pageEvents ?? REBUILD_PAGE_EVENTS)) {
      if (bulk === undefined) {
        await options.db.transaction((client) => options.projection.apply(client, schema, page));
      } else {
        await bulk.add(options.db, page);
        if (bulk.pending() >= pendingRowsMax) await writer.start(bulk.take('rows'));
      }
      counter.events += page.length;
      position = page[page.length - 1]!.position;
      options.onProgress?.({ events: counter.events, position, head, phase });
    }
    if (bulk !== undefined) await writer.start(bulk.take('all'));
  } finally {
    // Never return (nor throw) with a write still running: its rows would land after the caller moved on.
    await writer.settled().catch(() => undefined);
  }
  await writer.settled();
  return position;
};

/** The events after `from` up to the first at or past `head`, all in one array (the swap's last few). */
const eventsUpTo = async (store: EventStore, from: bigint, head: bigint): Promise<RecordedEvent[]> => {
  const events: RecordedEvent[] = [];
  for await (const page of pagesUpTo(store, from, head, REBUILD_PAGE_EVENTS)) events.push(...page);
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
  const bulk = projection.bulk?.(schema);
  let head = (await options.store.headPosition()).position;
  let position = await applyAll(options, schema, bulk, 0n, counter, head, 'scan');
  if (projection.indexes !== undefined) {
    // After the bulk of the rows, before anything reads the schema or writes over rows (see Projection.indexes).
    options.onProgress?.({ events: counter.events, position, head, phase: 'index' });
    await projection.indexes(db, schema);
  }
  for (let round = 0; round < CATCH_UP_ROUNDS_MAX; round += 1) {
    head = (await options.store.headPosition()).position;
    if (head <= position) break;
    position = await applyAll(options, schema, bulk, position, counter, head, 'catch-up');
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
  if (liveBefore > position) position = await applyAll(options, schema, bulk, position, counter, liveBefore, 'catch-up');
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
