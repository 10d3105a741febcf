import * as E from 'fp-ts/Either';
import * as t from 'io-ts';
import { createInMemoryEventStore } from '../infrastructure/event-store/in-memory';
import type { Decider, EventCodec } from './decider';
import { loadStream, snapshotStreamOf } from './stream-loader';

type Added = { readonly amount: number };
const tally: Decider<never, { total: number }, Added, never> = {
  initialState: { total: 0 },
  evolve: (state, event) => ({ total: state.total + event.amount }),
  decide: () => E.right([]),
  stateCodec: t.type({ total: t.number }),
};
const codec: EventCodec<Added> = {
  encode: (event) => ({ type: 'Added', data: event }),
  decode: (_type, data) => E.right(data as Added),
};

describe('loadStream and snapshots', () => {
  it('tolerates a duplicate of an older snapshot written after a newer one (EventStoreDB forgets `any` ids it deduplicated)', async () => {
    const store = createInMemoryEventStore();
    await store.appendToStream('tally-1', [1, 2, 3, 4, 5].map((amount, n) => ({ id: `e${n}`, type: 'Added', data: { amount } })), { expectedRevision: 'no_stream' });
    const snapshot = (id: string, revision: number, total: number) =>
      store.appendToStream(snapshotStreamOf('tally-1'), [{ id, type: 'StateSnapshotted', data: { stateVersion: 1, revision: String(revision), state: { total } } }], { expectedRevision: 'any' });
    await snapshot('s1', 1, 3);
    await snapshot('s3', 3, 10);
    await snapshot('s1-again', 1, 3); // the retry of the first, stored twice
    const loaded = await loadStream(store, 'tally-1', tally, codec, 1);
    expect(loaded).toEqual({ state: { total: 15 }, revision: 4n, eventsSinceSnapshot: 1 });
  });
});
