import * as E from 'fp-ts/Either';
import { invariant } from '../domain/invariant';
import type { EventStore } from '../infrastructure/event-store/port';
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

type SnapshotData = { readonly stateVersion: number; readonly revision: string; readonly state: unknown };

const isSnapshotData = (data: unknown): data is SnapshotData =>
  typeof data === 'object' && data !== null && 'stateVersion' in data && 'revision' in data && 'state' in data;

/**
 * Reads the latest snapshot (if its state shape is the current one) and folds the tail.
 * An event that fails its codec is a broken stream, not a user error: it throws.
 */
export const loadStream = async <C, S, Ev, R>(
  store: EventStore, streamId: string, decider: Decider<C, S, Ev, R>, codec: EventCodec<Ev>, stateVersion: number,
  cache?: StreamStateCache<S>,
): Promise<LoadedStream<S>> => {
  let state = decider.initialState;
  let revision: bigint | 'no_stream' = 'no_stream';
  let eventsSinceSnapshot = 0;
  const cached = cache?.get(streamId);
  if (cached !== undefined) {
    ({ state, revision, eventsSinceSnapshot } = cached);
  } else {
    for await (const snapshot of store.readStream(snapshotStreamOf(streamId), { direction: 'backwards', maxCount: SNAPSHOTS_SCANNED_MAX })) {
      if (!isSnapshotData(snapshot.data) || snapshot.data.stateVersion !== stateVersion) continue;
      const snapshotRevision = BigInt(snapshot.data.revision);
      if (revision !== 'no_stream' && snapshotRevision <= revision) continue;
      state = snapshot.data.state as S;
      revision = snapshotRevision;
    }
  }
  const fromRevision = revision === 'no_stream' ? 0n : revision + 1n;
  for await (const recorded of store.readStream(streamId, { fromRevision })) {
    const decoded = codec.decode(recorded.type, recorded.data);
    invariant(E.isRight(decoded), `event ${recorded.id} at ${streamId}@${recorded.revision} fails its codec`);
    state = decider.evolve(state, decoded.right);
    revision = recorded.revision;
    eventsSinceSnapshot += 1;
  }
  if (cache !== undefined && revision !== 'no_stream') cache.set(streamId, { state, revision, eventsSinceSnapshot });
  return { state, revision, eventsSinceSnapshot };
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
