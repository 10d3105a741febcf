import type { Registry } from 'prom-client';
import type { EventStore, RecordedEvent } from '../../infrastructure/event-store/port';
import type { Logger } from '../../infrastructure/logging';
import type { SqlClient, SqlDatabase } from '../../infrastructure/pg/sql-client';
import { ensureCheckpoint, migrateCheckpoints, readCheckpoint, writeCheckpoint } from './checkpoints';
import { projectionMetrics } from './lag-metrics';
import { liveSchemaOf, migrateProjection, type Projection } from './projection';

/** Events applied per transaction at most: large enough to amortise the commit, small enough to keep a transaction short. */
export const BATCH_EVENTS_MAX = 2_000;
/** Events read ahead of the model at most: the subscription waits while this many are buffered. */
export const BUFFERED_EVENTS_MAX = 3 * BATCH_EVENTS_MAX;
/** How often lag is measured and the checkpoint row is looked at for a rebuild request. */
export const LAG_SAMPLE_INTERVAL_MS = 1_000;
/** Pause after a failed batch before starting again from the checkpoint. */
export const RETRY_BACKOFF_MS = 1_000;

export type ProjectionStatus = {
  readonly name: string;
  readonly position: string;
  /** Events in hand not yet applied: exact once the subscription reached the head, a lower bound before. */
  readonly lagEvents: number;
  /** Head position minus checkpoint position (positions are sparse, so not an event count). */
  readonly lagPositions: string;
  readonly lagMs: number;
  readonly running: boolean;
  readonly lastError: string | null;
};

export type ProjectionRunner = {
  status(): ProjectionStatus[];
  /** True while every projection runs without a failing batch. */
  healthy(): boolean;
  stop(): Promise<void>;
};

export type ProjectionRunnerOptions = {
  readonly store: EventStore;
  readonly db: SqlDatabase;
  readonly projections: readonly Projection[];
  readonly logger: Logger;
  readonly registry: Registry;
  readonly nowMs?: () => number;
  readonly batchEventsMax?: number;
  readonly lagSampleIntervalMs?: number;
};

/** A batch found the checkpoint moved or flagged under it: start again from the row as it now is. */
class CheckpointMoved extends Error {}

const sleep = (ms: number, signal: AbortSignal): Promise<void> => new Promise((resolve) => {
  const timer = setTimeout(done, ms);
  function done() { clearTimeout(timer); signal.removeEventListener('abort', done); resolve(); }
  signal.addEventListener('abort', done, { once: true });
});

/**
 * Drops and recreates a model's schema at position 0, in one transaction: what `needs_rebuild` asks for
 * (positions were renumbered, so the old rows' positions mean nothing any more).
 */
export const resetProjection = async (db: SqlDatabase, projection: Projection): Promise<void> => {
  const schema = liveSchemaOf(projection.name);
  await db.transaction(async (tx) => {
    await readCheckpoint(tx, projection.name, true);
    await tx.query({ text: `DROP SCHEMA IF EXISTS ${schema} CASCADE` });
    await tx.query({ text: `CREATE SCHEMA ${schema}` });
    await migrateProjection(tx, projection, schema);
    await writeCheckpoint(tx, projection.name, 0n, false);
  });
  projection.forget?.();
};

/** Makes sure the checkpoint table, the projection's row and its schema exist. */
export const prepareProjection = async (db: SqlDatabase, projection: Projection): Promise<void> => {
  const schema = liveSchemaOf(projection.name);
  await migrateCheckpoints(db);
  await ensureCheckpoint(db, projection.name);
  await db.transaction(async (tx) => {
    await tx.query({ text: `CREATE SCHEMA IF NOT EXISTS ${schema}` });
    await migrateProjection(tx, projection, schema);
  });
};

/**
 * Applies one batch and moves the checkpoint to its last event, in one transaction. The checkpoint row
 * is locked and compared first: if it moved (a rebuild swapped in, another runner got there) or asks
 * for a rebuild, nothing is written and the runner starts again from the row.
 */
export const applyBatch = async (db: SqlDatabase, projection: Projection, schema: string, from: bigint, batch: readonly RecordedEvent[]): Promise<bigint> => {
  const last = batch[batch.length - 1]!.position;
  await db.transaction(async (tx: SqlClient) => {
    const checkpoint = await readCheckpoint(tx, projection.name, true);
    if (checkpoint.needsRebuild || checkpoint.position !== from) throw new CheckpointMoved(`${projection.name} checkpoint is ${checkpoint.position}, expected ${from}`);
    await projection.apply(tx, schema, batch);
    await writeCheckpoint(tx, projection.name, last);
  });
  return last;
};

/**
 * Runs projections as checkpointed catch-up subscriptions over `subscribeToAll` (which never skips an
 * event a slow transaction commits late). Each projection has its own subscription and checkpoint; the
 * subscription reads ahead into a bounded buffer while the previous batch commits, so a batch is
 * whatever arrived meanwhile, up to `batchEventsMax`.
 */
export const startProjectionRunner = async (options: ProjectionRunnerOptions): Promise<ProjectionRunner> => {
  const nowMs = options.nowMs ?? (() => Date.now());
  const batchEventsMax = options.batchEventsMax ?? BATCH_EVENTS_MAX;
  const metrics = projectionMetrics(options.registry);
  const stopping = new AbortController();
  for (const projection of options.projections) await prepareProjection(options.db, projection);

  type Live = { position: bigint; oldestPendingAtMs: number | null; caughtUpAtMs: number; pendingEvents: number; lagPositions: bigint; lagMs: number; lastError: string | null; running: boolean; restart: AbortController };
  const lives = new Map<string, Live>();

  const runOne = async (projection: Projection, live: Live): Promise<void> => {
    const schema = liveSchemaOf(projection.name);
    const log = options.logger.child({ projection: projection.name });
    while (!stopping.signal.aborted) {
      live.restart = new AbortController();
      const restart = live.restart;
      const signal = AbortSignal.any([stopping.signal, restart.signal]);
      try {
        let checkpoint = await readCheckpoint(options.db, projection.name);
        if (checkpoint.needsRebuild) {
          log.warn('checkpoint asks for a rebuild: building the model again from position 0');
          await resetProjection(options.db, projection);
          checkpoint = await readCheckpoint(options.db, projection.name);
        }
        live.position = checkpoint.position;
        metrics.position.set({ projection: projection.name }, Number(live.position));
        await consume(projection, schema, live, signal);
      } catch (error) {
        projection.forget?.();
        if (error instanceof CheckpointMoved) { log.info({ reason: error.message }, 'checkpoint moved: restarting from it'); continue; }
        live.lastError = error instanceof Error ? error.message : String(error);
        metrics.batchFailures.inc({ projection: projection.name });
        log.error({ err: error }, 'projection batch failed: retrying from its checkpoint');
        // A projection outlives a database blip: it waits and starts over from its checkpoint; /healthz says it is failing meanwhile.
        await sleep(RETRY_BACKOFF_MS, stopping.signal);
      }
    }
    live.running = false;
  };

  const consume = async (projection: Projection, schema: string, live: Live, outer: AbortSignal): Promise<void> => {
    // Ends the reader too when a batch fails: otherwise it would wait forever for room in the buffer.
    const ended = new AbortController();
    const signal = AbortSignal.any([outer, ended.signal]);
    const buffer: RecordedEvent[] = [];
    live.pendingEvents = 0;
    let wakeConsumer: (() => void) | undefined;
    let wakeReader: (() => void) | undefined;
    let readerDone = false;
    let readerError: unknown;
    const reader = (async () => {
      try {
        for await (const event of options.store.subscribeToAll({ fromPosition: live.position, signal })) {
          if (buffer.length === 0) live.oldestPendingAtMs = event.createdAtMs;
          buffer.push(event);
          live.pendingEvents += 1;
          wakeConsumer?.();
          while (buffer.length >= BUFFERED_EVENTS_MAX && !signal.aborted) await new Promise<void>((resolve) => { wakeReader = resolve; });
        }
      } catch (error) {
        readerError = error;
      } finally {
        readerDone = true;
        wakeConsumer?.();
      }
    })();
    const abortWake = () => { wakeConsumer?.(); wakeReader?.(); };
    signal.addEventListener('abort', abortWake, { once: true });
    try {
      for (;;) {
        if (buffer.length === 0) {
          if (readerDone || signal.aborted) break;
          await new Promise<void>((resolve) => { wakeConsumer = resolve; });
          wakeConsumer = undefined;
          continue;
        }
        const batch = buffer.splice(0, batchEventsMax);
        wakeReader?.();
        live.position = await applyBatch(options.db, projection, schema, live.position, batch);
        live.pendingEvents = Math.max(0, live.pendingEvents - batch.length);
        live.oldestPendingAtMs = buffer[0]?.createdAtMs ?? null;
        live.lastError = null;
        metrics.eventsApplied.inc({ projection: projection.name }, batch.length);
        metrics.position.set({ projection: projection.name }, Number(live.position));
      }
    } finally {
      ended.abort();
      signal.removeEventListener('abort', abortWake);
      wakeReader?.();
      await reader;
    }
    if (readerError !== undefined && !outer.aborted) throw readerError;
  };

  const sampleLag = async (): Promise<void> => {
    const head = (await options.store.headPosition()).position;
    for (const projection of options.projections) {
      const live = lives.get(projection.name)!;
      const behind = head > live.position ? head - live.position : 0n;
      const now = nowMs();
      if (behind === 0n) live.caughtUpAtMs = now;
      live.lagPositions = behind;
      live.lagMs = behind === 0n ? 0 : Math.max(0, now - (live.oldestPendingAtMs ?? live.caughtUpAtMs));
      metrics.lagPositions.set({ projection: projection.name }, Number(behind));
      metrics.lagEvents.set({ projection: projection.name }, behind === 0n ? 0 : live.pendingEvents);
      metrics.lagMs.set({ projection: projection.name }, live.lagMs);
      const checkpoint = await readCheckpoint(options.db, projection.name);
      // Another tool flagged the model or moved its checkpoint (store mover, rebuild swap): start again from the row.
      if (checkpoint.needsRebuild || checkpoint.position < live.position) live.restart.abort();
    }
  };

  const runs = options.projections.map((projection) => {
    const live: Live = { position: 0n, oldestPendingAtMs: null, caughtUpAtMs: nowMs(), pendingEvents: 0, lagPositions: 0n, lagMs: 0, lastError: null, running: true, restart: new AbortController() };
    lives.set(projection.name, live);
    return runOne(projection, live);
  });
  // One sample at a time, the next one interval after the last ended: on a stalled database, overlapping
  // samples would pile up and a late one could overwrite a newer figure with a stale lag.
  let sampling: Promise<void> = Promise.resolve();
  let sampler: NodeJS.Timeout | undefined;
  const scheduleSample = (): void => {
    sampler = setTimeout(() => {
      sampling = sampleLag()
        .catch((error: unknown) => options.logger.warn({ err: error }, 'projection lag sample failed'))
        .finally(() => { if (!stopping.signal.aborted) scheduleSample(); });
    }, options.lagSampleIntervalMs ?? LAG_SAMPLE_INTERVAL_MS);
    sampler.unref();
  };
  scheduleSample();

  return {
    status: () => options.projections.map((projection) => {
      const live = lives.get(projection.name)!;
      return {
        name: projection.name, position: live.position.toString(), lagEvents: live.lagPositions === 0n ? 0 : live.pendingEvents, lagPositions: live.lagPositions.toString(),
        lagMs: live.lagMs, running: live.running, lastError: live.lastError,
      };
    }),
    healthy: () => [...lives.values()].every((live) => live.running && live.lastError === null),
    stop: async () => {
      stopping.abort();
      clearTimeout(sampler);
      await Promise.all([...runs, sampling]);
    },
  };
};
