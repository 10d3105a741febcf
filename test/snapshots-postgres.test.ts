import * as E from 'fp-ts/Either';
import * as t from 'io-ts';
import { handleCommand } from '../commands/command-handler';
import type { Decider, EventCodec } from '../commands/decider';
import { loadStream, SNAPSHOT_EVERY_EVENTS, snapshotStreamOf } from '../commands/stream-loader';
import { createPostgresEventStore } from '../infrastructure/event-store/postgres';
import { collect, type EventStore } from '../infrastructure/event-store/port';
import { createTestDatabase, type TestDatabase } from './support/pg-database';

type Cmd = { amount: number };
type Ev = { type: 'Added'; data: { amount: number } };
const tally: Decider<Cmd, { total: number }, Ev, never> = {
  initialState: { total: 0 },
  evolve: (state, event) => ({ total: state.total + event.data.amount }),
  decide: (command) => E.right([{ type: 'Added', data: { amount: command.amount } }]),
  stateCodec: t.type({ total: t.number }),
};
const codec: EventCodec<Ev> = { encode: (e) => ({ type: e.type, data: e.data }), decode: (_t, data) => E.right({ type: 'Added', data: data as Ev['data'] }) };

let database: TestDatabase;
let store: EventStore;
beforeAll(async () => {
  database = await createTestDatabase('snapshots');
  store = await createPostgresEventStore({ connectionString: database.url, poolSize: 2 });
});
afterAll(async () => {
  await store.close();
  await database.drop();
});

it('loads a long stream on PostgreSQL from its latest snapshot plus the tail', async () => {
  const count = SNAPSHOT_EVERY_EVENTS * 2 + 11;
  for (let i = 1; i <= count; i += 1) {
    await handleCommand(store, tally, codec, { amount: i }, { streamId: 'tally-pg', eventIdSource: `k${i}`, metadata: {}, stateVersion: 1 });
  }
  const snapshots = await collect(store.readStream(snapshotStreamOf('tally-pg')));
  expect(snapshots.map((s) => (s.data as { revision: string }).revision)).toEqual([String(SNAPSHOT_EVERY_EVENTS - 1), String(2 * SNAPSHOT_EVERY_EVENTS - 1)]);
  const loaded = await loadStream(store, 'tally-pg', tally, codec, 1);
  expect(loaded).toEqual({ state: { total: (count * (count + 1)) / 2 }, revision: BigInt(count - 1), eventsSinceSnapshot: 11 });
});
