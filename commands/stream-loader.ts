import * as E from 'fp-ts/Either';
import * as t from 'io-ts';
import { invariant } from '../domain/invariant';
import type { EventStore, RecordedEvent } from '../infrastructure/event-store/port';
import type { Decider, EventCodec } from './decider';
import type { StreamStateCache } from './state-cache';

/** A state snapshot is written after every this many events, so a load reads one snapshot plus a short tail. */
export const SNAPSHOT_EVERY_EVENTS = 200;
/**
 * Snapshots a load looks at, newest first. Snapshots are written with `any`, and EventStoreDB
 * deduplicates an `any` retry only while it remembers the ids, so a late retry can store an older
 * snapshot again after a newer one: the load takes the highest revision among the last few.
 */
export const SNAPSHOTS_SCANNED_MAX = 3;

export const snapshotStreamOf = (streamId: string): string => `${streamId}-snapshot`;

export type LoadedStream<State> = {
  readonly state: State;
  /** Revision of the stream's last event, or `no_stream`. */
  readonly revision: bigint | 'no_stream';
  readonly eventsSinceSnapshot: number;
};

const RevisionDigits = new t.Type<string, string, unknown>(
  'RevisionDigits',
  (u): u is string => typeof u === 'string' && /^\d{1,20}$/.test(u),
  (u, c) => (typeof u === 'string' && /^\d{1,20}$/.test(u) ? t.success(u) : t.failure(u, c, 'not a stream revision')),
  String,
);
const SnapshotData = t.type({ stateVersion: t.number, revision: RevisionDigits, state: t.unknown });
type SnapshotData = t.TypeOf<typeof SnapshotData>;

/** Why a snapshot was not used: the stream is then folded from its first event. */
export type SnapshotIgnored = { readonly snapshotId: string; readonly reason: 'not_a_snapshot' | 'state_does_not_decode' };

/** The snapshot's state and revision, or why it cannot be used. An older state version is simply not used. */
const snapshotOf = <S>(data: unknown, stateVersion: number, stateCodec: t.Decoder<unknown, S>) => {
  const envelope = SnapshotData.decode(data);
  if (E.isLeft(envelope)) return E.left('not_a_snapshot' as const);
  if (envelope.right.stateVersion !== stateVersion) return E.right(undefined);
  const state = stateCodec.decode(envelope.right.state);
  return E.isLeft(state) ? E.left('state_does_not_decode' as const) : E.right({ state: state.right, revision: BigInt(envelope.right.revision) });
};

/**
 * Reads the latest snapshot (if its state shape is the current one and it decodes) and folds the tail.
 * A snapshot that does not decode is ignored, reported, and the stream is folded from the start.
 * An event that fails its codec is a broken stream, not a user error: it throws.
 */
export const loadStream = async <C, S, Ev, R>(
  store: EventStore, streamId: string, decider: Decider<C, S, Ev, R>, codec: EventCodec<Ev>, stateVersion: number,
  cache?: StreamStateCache<S>, onSnapshotIgnored?: (streamId: string, ignored: SnapshotIgnored) => void,
): Promise<LoadedStream<S>> => {
  let state = decider.initialState;
  let revision: bigint | 'no_stream' = 'no_stream';
  let eventsSinceSnapshot = 0;
  const cached = cache?.get(streamId);
  if (cached !== undefined) {
    ({ state, revision, eventsSinceSnapshot } = cached);
  } else {
    // The newest of the last few decodable snapshots: a duplicate or damaged one is passed over.
    for await (const snapshot of store.readStream(snapshotStreamOf(streamId), { direction: 'backwards', maxCount: SNAPSHOTS_SCANNED_MAX })) {
      const used = snapshotOf(snapshot.data, stateVersion, decider.stateCodec);
      if (E.isLeft(used)) { onSnapshotIgnored?.(streamId, { snapshotId: snapshot.id, reason: used.left }); continue; }
      if (used.right === undefined) continue;
      if (revision !== 'no_stream' && used.right.revision <= revision) continue;
      ({ state, revision } = used.right);
    }
  }
  let loaded: LoadedStream<S> = { state, revision, eventsSinceSnapshot };
  const fromRevision = revision === 'no_stream' ? 0n : revision + 1n;
  for await (const recorded of store.readStream(streamId, { fromRevision })) loaded = foldEvent(decider, codec, loaded, recorded);
  if (cache !== undefined && loaded.revision !== 'no_stream') cache.set(streamId, loaded as LoadedStream<S> & { revision: bigint });
  return loaded;
};

const foldEvent = <C, S, Ev, R>(decider: Decider<C, S, Ev, R>, codec: EventCodec<Ev>, loaded: LoadedStream<S>, recorded: RecordedEvent): LoadedStream<S> => {
  const decoded = codec.decode(recorded.type, recorded.data);
  invariant(E.isRight(decoded), `event ${recorded.id} at ${recorded.streamId}@${recorded.revision} fails its codec`);
  return { state: decider.evolve(loaded.state, decoded.right), revision: recorded.revision, eventsSinceSnapshot: loaded.eventsSinceSnapshot + 1 };
};

/** The stream after `tail`, the events that follow `loaded` (a revision conflict's tail), folded in. */
export const foldTail = <C, S, Ev, R>(decider: Decider<C, S, Ev, R>, codec: EventCodec<Ev>, loaded: LoadedStream<S>, tail: readonly RecordedEvent[]): LoadedStream<S> & { readonly revision: bigint } => {
  const first = tail[0];
  invariant(first !== undefined && first.revision === (loaded.revision === 'no_stream' ? 0n : loaded.revision + 1n), 'a conflict\'s tail does not follow the state it is folded onto');
  const folded = tail.reduce((acc, recorded) => foldEvent(decider, codec, acc, recorded), loaded);
  return folded as LoadedStream<S> & { readonly revision: bigint };
};

/**
 * The position of the stream's last event (0n for an empty stream): what a command that wrote nothing
 * answers, since it covers every write of this stream, the caller's own included. Read from the stream,
 * never the head of $all, which may be held back below it by a transaction in flight.
 */
export const lastPositionOf = async (store: EventStore, streamId: string): Promise<bigint> => {
  for await (const last of store.readStream(streamId, { direction: 'backwards', maxCount: 1 })) return last.position;
  return 0n;
};

export const writeSnapshot = async (store: EventStore, streamId: string, stateVersion: number, revision: bigint, state: unknown, snapshotId: string): Promise<void> => {
  const data: SnapshotData = { stateVersion, revision: revision.toString(), state };
  await store.appendToStream(snapshotStreamOf(streamId), [{ id: snapshotId, type: 'StateSnapshotted', data }], { expectedRevision: 'any' });
};
