import * as E from 'fp-ts/Either';
import { v5 as uuidv5 } from 'uuid';
import { invariant } from '../domain/invariant';
import type { EventMetadata, EventStore } from '../infrastructure/event-store/port';
import type { Decider, EventCodec } from './decider';
import type { StreamStateCache } from './state-cache';
import { foldTail, lastPositionOf, loadStream, SNAPSHOT_EVERY_EVENTS, writeSnapshot, type LoadedStream, type SnapshotIgnored } from './stream-loader';

export const COMMAND_ATTEMPTS_MAX = 10; // read-decide-append rounds per command
/** A round lost with no tail to decide on waits a random time below a bound that doubles from this ("full jitter"), up to the cap. */
export const RETRY_BACKOFF_MS = 5;
export const RETRY_BACKOFF_CAP_MS = 100;

/** Namespace of every deterministic event id this service derives (UUIDv5). Never change it: retries depend on it. */
export const EVENT_ID_NAMESPACE = '6f1b5c3e-2d4a-5b8e-9c7f-0a1b2c3d4e5f';

export const ConcurrencyRetriesExhausted = 'SYS_CONCURRENCY_RETRIES_EXHAUSTED' as const;
export type ConcurrencyExhausted = { readonly code: typeof ConcurrencyRetriesExhausted; readonly message: string };

export type CommandOutcome<State, Event> = {
  readonly events: readonly Event[];
  /** State after the events (before them, when the decision was to write nothing). */
  readonly state: State;
  /** Global position of the last event written (when nothing was written: of the stream's last event, 0n if none); never the head of $all. */
  readonly position: bigint;
};

export type CommandHooks = {
  readonly onConflictRetry?: (streamId: string, attempt: number) => void;
  readonly onAppend?: (durationMs: number, outcome: 'appended' | 'conflict') => void;
  /** A snapshot that could not be written: the command stands, the next load folds a longer tail. */
  readonly onSnapshotFailed?: (streamId: string, error: unknown) => void;
  /** A snapshot that did not decode: ignored, the state is rebuilt from the events. */
  readonly onSnapshotIgnored?: (streamId: string, ignored: SnapshotIgnored) => void;
};

export type HandleOptions = {
  readonly streamId: string;
  /**
   * Event ids are derived from this (UUIDv5 of stream, id source and index): a retried command that reaches
   * the store again writes the same ids at the same place, which the store takes as a no-op success.
   */
  readonly eventIdSource: string;
  readonly metadata: EventMetadata;
  /**
   * For a decision that books several callers' commands in one append: each event's id source, index and
   * metadata as its own command alone would give them, so the ids match whatever the grouping.
   */
  readonly eventOrigin?: (index: number) => { readonly eventIdSource: string; readonly index: number; readonly metadata: EventMetadata };
  readonly stateVersion: number;
  readonly hooks?: CommandHooks;
  /** This process's last known state of recently used streams (see state-cache.ts). */
  readonly cache?: StreamStateCache<unknown>;
};

const sleepMs = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * An event's id names what caused it (stream, command's id source, index) AND what it says. A repeat of
 * the very same decision gets the same ids, which the store takes as already written; a retry decided on
 * an older state (another process wrote meanwhile, a cache was stale) says something else, gets other
 * ids, and so conflicts and is decided again on the stream as it is, instead of being "appended" as a
 * no-op while the caller goes on believing its own, different events.
 */
export const deterministicEventId = (streamId: string, eventIdSource: string, index: number, content: unknown): string =>
  uuidv5(`${streamId}/${eventIdSource}/${index}/${JSON.stringify(content)}`, EVENT_ID_NAMESPACE);

/** Read, decide, append at the revision read; a revision conflict is retried a bounded number of times. */
export const handleCommand = async <C, S, Ev, R>(
  store: EventStore, decider: Decider<C, S, Ev, R>, codec: EventCodec<Ev>, command: C, options: HandleOptions,
): Promise<E.Either<R | ConcurrencyExhausted, CommandOutcome<S, Ev>>> => {
  const { streamId, eventIdSource, metadata, stateVersion, hooks } = options;
  const cache = options.cache as StreamStateCache<S> | undefined;
  // The first round may decide on this process's cached state without reading: an append at the cached
  // revision succeeds only if nothing was written since, so acceptance needs no read. A refusal (or a
  // decision to write nothing) might come from a stale state, so it is decided again on a fresh read.
  const decideOn = async (fromCache: boolean) => {
    const cached = fromCache ? cache?.get(streamId) : undefined;
    const loaded = cached ?? await loadStream(store, streamId, decider, codec, stateVersion, cache, hooks?.onSnapshotIgnored);
    return { loaded, cached: cached !== undefined, decision: decider.decide(command, loaded.state) };
  };
  // The stream as a conflict's tail showed it: the next round decides on it without reading.
  let caughtUp: LoadedStream<S> | undefined;
  for (let attempt = 1; attempt <= COMMAND_ATTEMPTS_MAX; attempt += 1) {
    const first = caughtUp !== undefined ? { loaded: caughtUp, cached: false, decision: decider.decide(command, caughtUp.state) } : await decideOn(attempt === 1);
    caughtUp = undefined;
    const doubtful = first.cached && (E.isLeft(first.decision) || first.decision.right.length === 0);
    const { loaded, decision, cached } = doubtful ? await decideOn(false) : first;
    if (E.isLeft(decision)) return decision;
    const events = decision.right;
    if (events.length === 0) return E.right({ events, state: loaded.state, position: await lastPositionOf(store, streamId) });

    const startedAtMs = performance.now();
    const outcome = await store.appendToStream(
      streamId,
      events.map((event, index) => {
        const encoded = codec.encode(event);
        const origin = options.eventOrigin?.(index) ?? { eventIdSource, index, metadata };
        return { id: deterministicEventId(streamId, origin.eventIdSource, origin.index, encoded), ...encoded, metadata: origin.metadata };
      }),
      { expectedRevision: loaded.revision },
    );
    hooks?.onAppend?.(performance.now() - startedAtMs, outcome.kind === 'Appended' ? 'appended' : 'conflict');
    if (outcome.kind === 'Appended') {
      const state = events.reduce(decider.evolve, loaded.state);
      let eventsSinceSnapshot = loaded.eventsSinceSnapshot + events.length;
      if (eventsSinceSnapshot >= SNAPSHOT_EVERY_EVENTS) {
        try {
          await writeSnapshot(store, streamId, stateVersion, outcome.nextRevision, state, deterministicEventId(streamId, `snapshot/${outcome.nextRevision}`, 0, stateVersion));
          eventsSinceSnapshot = 0;
        } catch (error) {
          hooks?.onSnapshotFailed?.(streamId, error);
        }
      }
      cache?.set(streamId, { state, revision: outcome.nextRevision, eventsSinceSnapshot });
      return E.right({ events, state, position: outcome.position });
    }
    invariant(outcome.kind === 'RevisionConflict', 'append returned an unknown outcome');
    hooks?.onConflictRetry?.(streamId, attempt);
    if (outcome.tail !== undefined) {
      const folded = foldTail(decider, codec, loaded, outcome.tail);
      cache?.set(streamId, folded);
      caughtUp = folded;
    }
    // Caught up on the conflict's tail, the next round decides at once: the tail is the stream as it stood
    // when the append was refused, and every moment spent waiting lets the other writer make it stale again
    // (a backoff there made a command lose all its rounds to a process appending every few ms). Decided on
    // a stale cache and told nothing, the next round reads at once. Lost on a fresh read with no tail (an
    // adapter or a gap beyond CONFLICT_TAIL_MAX): back off, then read again.
    if (caughtUp === undefined && !cached) await sleepMs(Math.random() * Math.min(RETRY_BACKOFF_CAP_MS, RETRY_BACKOFF_MS * 2 ** (attempt - 1)));
  }
  return E.left({ code: ConcurrencyRetriesExhausted, message: `${streamId}: ${COMMAND_ATTEMPTS_MAX} attempts lost to concurrent writers` });
};
