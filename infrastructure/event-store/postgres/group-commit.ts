import type { AppendResult } from '../port';
import type { SqlClient } from '../../pg/sql-client';
import { type AppendRequest, type AppendRow, decideOutcome, runAppendBatch } from './append-sql';
import { EVENTS_PER_TRANSACTION_MAX } from './schema';
import { DependencyUnavailable } from '../../unavailable';
import { isConnectionLoss } from '../../pg/connection-loss';

/** Appends per transaction when many are waiting; each is still checked on its own stream. */
export const APPENDS_PER_BATCH_MAX = 256;
/** Events per transaction when many are waiting (far below EVENTS_PER_TRANSACTION_MAX). */
export const EVENTS_PER_BATCH_MAX = 4_096;
/** Appends waiting for a batch; beyond this an append fails fast instead of queueing forever. */
export const PENDING_APPENDS_MAX = 10_000;
/** Runs of one append alone after its batch could not settle it (lost race, deadlock victim). */
export const SOLO_ATTEMPTS_MAX = 3;

const UNIQUE_VIOLATION = '23505';
const RETRYABLE_CODES = new Set(['40P01', '40001']); // deadlock victim, serialization failure

type Pending = { readonly request: AppendRequest; resolve(result: AppendResult): void; reject(error: unknown): void };

export class AppendQueueFullError extends DependencyUnavailable {
  override readonly name = 'AppendQueueFullError';
}

const errorCode = (error: unknown): string | undefined =>
  typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : undefined;

/**
 * Worth running again: a unique violation or deadlock (see runBatch), or a connection that broke under
 * the statement. Retrying an append is always safe: its event ids make a repeat of one that did commit
 * (the connection broke after COMMIT) a success that writes nothing.
 */
const isRetryable = (error: unknown): boolean => {
  const code = errorCode(error);
  return code === UNIQUE_VIOLATION || RETRYABLE_CODES.has(code ?? '') || isConnectionLoss(error);
};

/** What a finished batch wrote: each event type with the position of the last append that held it. */
export type CommittedTypes = ReadonlyMap<string, bigint>;

/**
 * `onCommitted` hears, after each batch, the event types it wrote and where (a wake-up hint for subscribers).
 *
 * Group commit: at most `batchesInFlightMax` batch statements run at once; appends that arrive
 * meanwhile wait and go together in the next one, so under load one round trip and one commit
 * serve many appends. Our own batches never share a stream, so they cannot deadlock each other;
 * another process can still deadlock with us, which the solo retry absorbs.
 */
export const createGroupCommit = (client: SqlClient, onCommitted: (committed: CommittedTypes) => void, batchesInFlightMax: number) => {
  const pending: Pending[] = [];
  const streamsInFlight = new Set<string>();
  let running = 0;

  const takeBatch = (): Pending[] => {
    const batch: Pending[] = [];
    const streams = new Set<string>();
    let events = 0;
    for (let index = 0; index < pending.length && batch.length < APPENDS_PER_BATCH_MAX;) {
      const item = pending[index]!;
      const size = item.request.events.length;
      // Each stream at most once per batch and in one batch at a time: the statement checks every
      // append against the stream row as it was before the batch, and batches in flight together
      // lock disjoint streams, so they never deadlock each other. A later append waits its turn.
      const fits = batch.length === 0 || events + size <= EVENTS_PER_BATCH_MAX;
      if (!streams.has(item.request.streamId) && !streamsInFlight.has(item.request.streamId) && fits) {
        batch.push(item);
        streams.add(item.request.streamId);
        events += size;
        pending.splice(index, 1);
      } else {
        index += 1;
      }
    }
    return batch;
  };

  const runSolo = async (request: AppendRequest): Promise<AppendResult> => {
    let lastError: unknown;
    for (let attempt = 1; attempt <= SOLO_ATTEMPTS_MAX; attempt += 1) {
      try {
        const rows = await runAppendBatch(client, [request]);
        const outcome = decideOutcome(request, rows.get(0) ?? []);
        if (outcome.settled || attempt === SOLO_ATTEMPTS_MAX) return outcome.result;
      } catch (error) {
        if (!isRetryable(error)) throw error;
        lastError = error;
      }
    }
    throw lastError;
  };

  const settleSolo = (item: Pending) => runSolo(item.request).then(item.resolve, item.reject);

  const runBatch = async (batch: Pending[]): Promise<void> => {
    // The statement locks stream rows in stream-id order whatever the kind of append, one order for
    // every process, so two processes' batches wait for each other instead of deadlocking.
    let rows: Map<number, AppendRow[]>;
    try {
      rows = await runAppendBatch(client, batch.map((item) => item.request));
    } catch (error) {
      // One append must never fail the others. Whatever failed the statement (an event id raced in
      // from another transaction, a deadlock, or one append's data PostgreSQL refuses), each append
      // now runs alone and gets its own answer: only a faulty one fails. Alone, a non-retryable error
      // would only repeat.
      const only = batch.length === 1 ? batch[0] : undefined;
      if (only !== undefined && !isRetryable(error)) { only.reject(error); return; }
      await Promise.all(batch.map(settleSolo));
      return;
    }
    for (const [index, item] of batch.entries()) {
      try {
        const outcome = decideOutcome(item.request, rows.get(index) ?? []);
        if (outcome.settled) item.resolve(outcome.result);
        else await settleSolo(item);
      } catch (error) {
        item.reject(error);
      }
    }
  };

  const pump = (): void => {
    while (running < batchesInFlightMax && pending.length > 0) {
      const batch = takeBatch();
      if (batch.length === 0) return; // everything waiting is behind a stream in flight
      running += 1;
      for (const item of batch) streamsInFlight.add(item.request.streamId);
      const committed = new Map<string, bigint>();
      const heard = batch.map((item): Pending => ({
        ...item,
        resolve: (result) => {
          if (result.kind === 'Appended') {
            for (const event of item.request.events) if ((committed.get(event.type) ?? -1n) < result.position) committed.set(event.type, result.position);
          }
          item.resolve(result);
        },
      }));
      void runBatch(heard).finally(() => {
        running -= 1;
        for (const item of batch) streamsInFlight.delete(item.request.streamId);
        onCommitted(committed);
        pump();
      });
    }
  };

  return {
    submit: (request: AppendRequest): Promise<AppendResult> => {
      if (request.events.length > EVENTS_PER_TRANSACTION_MAX) {
        return Promise.reject(new RangeError(`an append holds at most ${EVENTS_PER_TRANSACTION_MAX} events`));
      }
      if (pending.length >= PENDING_APPENDS_MAX) return Promise.reject(new AppendQueueFullError(`${PENDING_APPENDS_MAX} appends already waiting`));
      return new Promise<AppendResult>((resolve, reject) => {
        pending.push({ request, resolve, reject });
        pump();
      });
    },
    /** Resolves when nothing is waiting or running. */
    idle: async (): Promise<void> => {
      for (let spins = 0; (running > 0 || pending.length > 0) && spins < PENDING_APPENDS_MAX; spins += 1) {
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    },
  };
};
