import type { Pool } from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { conflictTailRange, type AppendResult, type EventData, type EventStore, type ExpectedRevision, type ReadAllOptions, type ReadStreamOptions, type RecordedEvent, type SubscribeOptions } from './port';
import { type SqlDatabase, sqlDatabaseFromPglite, sqlDatabaseFromPool } from '../pg/sql-client';
import { sqlDatabaseFromPgliteWorker } from '../pg/pglite-worker';
import { migrateEventStore } from './postgres/migrate';
import { APPENDED_CHANNEL, type CommitSignal, startCommitSignal } from './postgres/notify';
import { createLogger, type Logger } from '../logging';
import { metrics as processMetrics, type Metrics } from '../metrics';
import { createPool } from '../pg/pool';
import { isConnectionLoss } from '../pg/connection-loss';
import { createGroupCommit, type CommittedTypes } from './postgres/group-commit';
import { headBelow, readAllPage, readStreamPage, SETTLE_WAIT_MS_MAX, settledVisibleBound, streamTail } from './postgres/read-sql';

/** Rows per page for readStream / readAll / subscriptions: one query each, never the whole table. */
export const READ_PAGE_SIZE = 512;
/** A subscriber polls this often when nothing woke it: commits of other processes, late commits. */
export const SUBSCRIBE_POLL_INTERVAL_MS = 50;
/**
 * Batches in flight on a server: while one waits for its commit, the next executes. Measured on
 * the 2-core machine with 16 appends in flight; more than a few only adds lock and CPU contention.
 */
export const BATCHES_IN_FLIGHT_MAX = 2;
/** Connections of a pool we create ourselves. */
export const DEFAULT_POOL_SIZE = 8;
/** A subscriber whose page read lost its connection tries again after this (on a new connection). */
export const SUBSCRIBE_RETRY_DELAY_MS = 100;

export type SqlEventStoreOptions = {
  readonly pollIntervalMs?: number;
  /** Group-commit batches running at once (default BATCHES_IN_FLIGHT_MAX on a server, 1 on PGlite, which has one connection). */
  readonly batchesInFlightMax?: number;
  /** How long readAll/headPosition wait for transactions in flight when called (default SETTLE_WAIT_MS_MAX). */
  readonly settleWaitMsMax?: number;
  /** Where a subscriber reports a page read it retries after losing its connection. */
  readonly onReadRetry?: (error: unknown) => void;
};

/** How a store hears about commits of other processes (LISTEN/NOTIFY on a server; nothing on PGlite). */
type CommitSignalFactory = (onWake: (committed: CommittedTypes | undefined) => void) => Promise<CommitSignal>;

const matchesExpected = (expected: ExpectedRevision, actual: bigint | 'no_stream'): boolean =>
  expected === 'any' || expected === actual;

/**
 * One subscription's wake-ups. Counted, so one that comes while the subscriber is reading (not yet waiting)
 * is not lost: its read may have been too early to see the commit that woke it. A subscriber filtered by
 * event type is woken only by a commit that holds one of its types above the position it has read to (or
 * whose types are unknown), with one exception: while such a commit is not read yet, every commit wakes
 * it, as every commit would without the filter. A read can miss the commit that woke it, held back by
 * another transaction still in flight (the visibility bound), and that one's commit is what lets it through.
 */
class Subscriber {
  wakeUps = 0;
  waiting: (() => void) | undefined;
  /** Position of the last event handed out. */
  readUpTo: bigint;
  /** Highest position of a commit it was woken for and has not read past; 'unknown' until a read finds something. */
  private awaited: bigint | 'unknown' | undefined = 'unknown';
  private awaitedSince = 0;
  private readonly eventTypes: ReadonlySet<string> | undefined;

  constructor(eventTypes: readonly string[] | undefined, fromPosition: bigint) {
    this.eventTypes = eventTypes === undefined ? undefined : new Set(eventTypes);
    this.readUpTo = fromPosition;
  }

  private expecting(): boolean {
    return this.awaited === 'unknown' || (this.awaited !== undefined && this.awaited > this.readUpTo);
  }

  wake(committed: CommittedTypes | undefined): void {
    let matching: bigint | 'unknown' | undefined = committed === undefined ? 'unknown' : undefined;
    for (const [type, position] of committed ?? []) {
      if ((this.eventTypes === undefined || this.eventTypes.has(type)) && position > this.readUpTo && (matching === undefined || (matching !== 'unknown' && position > matching))) matching = position;
    }
    if (matching === undefined && !this.expecting()) return;
    if (matching === 'unknown' || this.awaited === 'unknown') this.awaited = 'unknown';
    else if (matching !== undefined && (this.awaited === undefined || matching > this.awaited)) this.awaited = matching;
    if (matching !== undefined) this.awaitedSince += 1;
    this.wakeUps += 1;
    this.waiting?.();
  }

  /** Matching wakes so far: taken before a read, given back to `read` after it. */
  matchingWakes(): number {
    return this.awaitedSince;
  }

  /** After each page read: an unknown commit counts as read once a read started after it finds something. */
  read(events: number, awaitedSinceBeforeRead: number): void {
    if (this.awaited === 'unknown' && events > 0 && this.awaitedSince === awaitedSinceBeforeRead) this.awaited = undefined;
    if (typeof this.awaited === 'bigint' && this.awaited <= this.readUpTo) this.awaited = undefined;
  }
}

/** The PostgreSQL event store over the SQL seam: the same code on a server and on PGlite. Migrates on start. */
export const createSqlEventStore = async (
  database: SqlDatabase,
  options: SqlEventStoreOptions & { readonly batchesInFlightDefault?: number; readonly commitSignal?: CommitSignalFactory } = {},
): Promise<EventStore> => {
  await migrateEventStore(database);
  const pollIntervalMs = options.pollIntervalMs ?? SUBSCRIBE_POLL_INTERVAL_MS;
  const settleWaitMsMax = options.settleWaitMsMax ?? SETTLE_WAIT_MS_MAX;
  const subscribers = new Set<Subscriber>();
  const wakeAll = (committed: CommittedTypes | undefined) => { for (const subscriber of [...subscribers]) subscriber.wake(committed); };
  const signal = options.commitSignal ? await options.commitSignal(wakeAll) : undefined;
  const onCommitted = (committed: CommittedTypes) => { wakeAll(committed); signal?.committed(committed); };
  const groupCommit = createGroupCommit(database, onCommitted, options.batchesInFlightMax ?? options.batchesInFlightDefault ?? 1);
  let closed = false;

  const appendEmpty = async (streamId: string, expected: ExpectedRevision): Promise<AppendResult> => {
    const tail = await streamTail(database, streamId);
    const actual = tail ? tail.revision : 'no_stream';
    if (!matchesExpected(expected, actual)) {
      const range = conflictTailRange(expected, actual);
      const tail = range === undefined ? undefined : await readStreamPage(database, streamId, range.fromRevision, range.count);
      return { kind: 'RevisionConflict', streamId, expected, actual, ...(tail === undefined ? {} : { tail }) };
    }
    return { kind: 'Appended', nextRevision: tail ? tail.revision : -1n, position: tail ? tail.position : 0n };
  };

  const appendToStream = (streamId: string, events: readonly EventData[], appendOptions: { readonly expectedRevision: ExpectedRevision }): Promise<AppendResult> =>
    events.length === 0
      ? appendEmpty(streamId, appendOptions.expectedRevision)
      : groupCommit.submit({ streamId, events, expectedRevision: appendOptions.expectedRevision });

  async function* readStream(streamId: string, readOptions: ReadStreamOptions = {}): AsyncIterable<RecordedEvent> {
    const direction = readOptions.direction ?? 'forwards';
    let next = readOptions.fromRevision ?? (direction === 'forwards' ? 0n : undefined);
    let remaining = readOptions.maxCount ?? Number.POSITIVE_INFINITY;
    while (remaining > 0) {
      const page = await readStreamPage(database, streamId, next, Math.min(READ_PAGE_SIZE, remaining), direction);
      for (const event of page) yield event;
      remaining -= page.length;
      const last = page[page.length - 1];
      if (!last || page.length < READ_PAGE_SIZE) return;
      if (direction === 'backwards' && last.revision === 0n) return;
      next = direction === 'forwards' ? last.revision + 1n : last.revision - 1n;
    }
  }

  async function* readAll(readOptions: ReadAllOptions = {}): AsyncIterable<RecordedEvent> {
    const { bound } = await settledVisibleBound(database, settleWaitMsMax);
    let from = readOptions.fromPosition ?? 0n;
    let remaining = readOptions.maxCount ?? Number.POSITIVE_INFINITY;
    while (remaining > 0) {
      const page = await readAllPage(database, from, Math.min(READ_PAGE_SIZE, remaining), readOptions.filter, bound);
      for (const event of page) yield event;
      remaining -= page.length;
      const last = page[page.length - 1];
      if (!last || page.length < READ_PAGE_SIZE) return;
      from = last.position;
    }
  }

  const sleepMs = (ms: number, signal: AbortSignal | undefined): Promise<void> => new Promise<void>((resolve) => {
    const done = () => { clearTimeout(timer); signal?.removeEventListener('abort', done); resolve(); };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });

  const sleepUntilWoken = (subscriber: Subscriber, signal: AbortSignal | undefined, wakeUpsBeforeRead: number): Promise<void> => new Promise<void>((resolve) => {
    if (subscriber.wakeUps !== wakeUpsBeforeRead) { resolve(); return; }
    const wake = () => {
      clearTimeout(timer);
      subscriber.waiting = undefined;
      signal?.removeEventListener('abort', wake);
      resolve();
    };
    const timer = setTimeout(wake, pollIntervalMs);
    subscriber.waiting = wake;
    signal?.addEventListener('abort', wake, { once: true });
  });

  async function* subscribeToAll(subscribeOptions: SubscribeOptions = {}): AsyncIterable<RecordedEvent> {
    const { signal, filter } = subscribeOptions;
    const pageSize = subscribeOptions.pageSize ?? READ_PAGE_SIZE;
    let from = subscribeOptions.fromPosition ?? 0n;
    const subscriber = new Subscriber(filter?.eventTypes, from);
    subscribers.add(subscriber);
    try {
      while (!signal?.aborted && !closed) {
        // No fixed bound: each page reads up to the live visibility bound, so a slow transaction
        // holds the subscriber back until it commits, and then it is read in its place.
        let page: RecordedEvent[];
        const wakeUpsBeforeRead = subscriber.wakeUps;
        const matchingBeforeRead = subscriber.matchingWakes();
        try {
          page = await readAllPage(database, from, pageSize, filter);
        } catch (error) {
          // A broken connection is not the subscriber's end: the pool connects again and the page is
          // read again from the same position, so nothing is skipped or repeated. Anything else is.
          if (!isConnectionLoss(error) || closed) throw error;
          options.onReadRetry?.(error);
          await sleepMs(SUBSCRIBE_RETRY_DELAY_MS, signal);
          continue;
        }
        for (const event of page) {
          from = event.position;
          subscriber.readUpTo = from;
          yield event;
          if (signal?.aborted || closed) return;
        }
        subscriber.read(page.length, matchingBeforeRead);
        if (page.length < pageSize) await sleepUntilWoken(subscriber, signal, wakeUpsBeforeRead);
      }
    } finally {
      subscribers.delete(subscriber);
    }
  }

  return {
    appendToStream, readStream, readAll, subscribeToAll,
    headPosition: async () => {
      const { bound, settled } = await settledVisibleBound(database, settleWaitMsMax);
      return { position: await headBelow(database, bound), mayBeBehind: !settled };
    },
    close: async () => {
      closed = true;
      wakeAll(undefined);
      await groupCommit.idle();
      await signal?.close();
      await database.close();
    },
  };
};

export type PostgresEventStoreOptions = SqlEventStoreOptions & {
  /** LISTEN/NOTIFY so subscribers wake on other processes' commits (default true; holds one pool connection). */
  readonly listenForCommits?: boolean;
  readonly logger?: Logger;
  /** Where broken connections, LISTEN reconnects and retried reads are counted (default: the process's). */
  readonly metrics?: Metrics;
} & (
  | { readonly pool: Pool }
  | { readonly connectionString: string; readonly poolSize?: number }
);

/**
 * On a PostgreSQL server. Given a `pool`, `close()` leaves it open (its owner watches it for broken
 * connections: infrastructure/pg/pool.ts); given a `connectionString`, the store owns a watched pool.
 * The store is best on a database server of its own, or one with `idle_in_transaction_session_timeout`
 * set: see read-sql.ts on why any long transaction on the server holds its subscribers back.
 */
export const createPostgresEventStore = (options: PostgresEventStoreOptions): Promise<EventStore> => {
  const logger = options.logger ?? createLogger({ name: 'event-store-postgres' });
  const metrics = options.metrics ?? processMetrics;
  const pool = 'pool' in options ? options.pool
    : createPool({ connectionString: options.connectionString, max: options.poolSize ?? DEFAULT_POOL_SIZE }, { name: 'event-store', logger, metrics });
  const database = sqlDatabaseFromPool(pool, !('pool' in options));
  const commitSignal: CommitSignalFactory | undefined = options.listenForCommits === false ? undefined
    : (onWake) => startCommitSignal(pool, {
      onWake,
      onError: (error) => logger.warn({ err: error }, 'event store LISTEN/NOTIFY failed; subscribers poll until it is back'),
      onRelisten: () => {
        metrics.pgListenReconnects.inc({ channel: APPENDED_CHANNEL });
        logger.info({ channel: APPENDED_CHANNEL }, 'event store LISTENs again on a new connection');
      },
    });
  return createSqlEventStore(database, {
    onReadRetry: (error) => logger.warn({ err: error }, 'subscriber lost its connection; reading the page again'),
    ...options, batchesInFlightDefault: BATCHES_IN_FLIGHT_MAX, commitSignal,
  });
};

export type PgliteEventStoreOptions = SqlEventStoreOptions & (
  | { readonly db: PGlite }
  | { readonly dataDir?: string; readonly onWorkerThread?: boolean }
);

/**
 * On PGlite (embedded mode). Without `dataDir` the database lives in memory. Given a `db`,
 * `close()` leaves it open. `onWorkerThread` hosts PGlite on a worker thread (keeps its WASM off
 * the caller's event loop; also the way to run it under jest, whose sandbox refuses PGlite's
 * dynamic imports unless node runs with --experimental-vm-modules).
 */
export const createPgliteEventStore = async (options: PgliteEventStoreOptions = {}): Promise<EventStore> => {
  const database = 'db' in options ? sqlDatabaseFromPglite(options.db, false)
    : options.onWorkerThread ? sqlDatabaseFromPgliteWorker({ dataDir: options.dataDir })
    : sqlDatabaseFromPglite(options.dataDir === undefined ? new PGlite() : new PGlite(options.dataDir), true);
  return createSqlEventStore(database, { ...options, batchesInFlightDefault: 1 });
};
