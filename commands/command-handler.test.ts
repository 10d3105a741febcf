import * as E from 'fp-ts/Either';
import * as t from 'io-ts';
import { collect, CONFLICT_TAIL_MAX } from '../infrastructure/event-store/port';
import { createInMemoryEventStore } from '../infrastructure/event-store/in-memory';
import type { Decider, EventCodec } from './decider';
import { ConcurrencyRetriesExhausted, COMMAND_ATTEMPTS_MAX, handleCommand } from './command-handler';
import { loadStream, SNAPSHOT_EVERY_EVENTS, snapshotStreamOf, writeSnapshot, type SnapshotIgnored } from './stream-loader';
import { StreamStateCache } from './state-cache';

// A tally that refuses to go above a cap: small enough to read, rich enough to conflict and reject.
type Cmd = { type: 'Add'; amount: number };
type Ev = { type: 'Added'; data: { amount: number } };
type St = { total: number };
const CAP = 1_000_000;
const tally: Decider<Cmd, St, Ev, { code: 'OVER_CAP' }> = {
  initialState: { total: 0 },
  evolve: (state, event) => ({ total: state.total + event.data.amount }),
  decide: (command, state) => (state.total + command.amount > CAP ? E.left({ code: 'OVER_CAP' }) : E.right([{ type: 'Added', data: { amount: command.amount } }])),
  stateCodec: t.type({ total: t.number }),
};
const codec: EventCodec<Ev> = {
  encode: (event) => ({ type: event.type, data: event.data }),
  decode: (type, data) => (type === 'Added' && typeof (data as { amount?: unknown }).amount === 'number' ? E.right({ type: 'Added', data: data as { amount: number } }) : E.left('bad')),
};
const options = (source: string) => ({ streamId: 'tally-1', eventIdSource: source, metadata: { actor: 'test' }, stateVersion: 1 });

describe('handleCommand', () => {
  it('appends the decided events and returns the new state and position', async () => {
    const store = createInMemoryEventStore();
    const result = await handleCommand(store, tally, codec, { type: 'Add', amount: 5 }, options('k1'));
    expect(result).toEqual(E.right(expect.objectContaining({ state: { total: 5 }, position: 1n })));
    expect((await collect(store.readStream('tally-1'))).map((e) => e.data)).toEqual([{ amount: 5 }]);
  });

  it('writes nothing when the decider refuses', async () => {
    const store = createInMemoryEventStore();
    const result = await handleCommand(store, tally, codec, { type: 'Add', amount: CAP + 1 }, options('k1'));
    expect(result).toEqual(E.left({ code: 'OVER_CAP' }));
    expect((await store.headPosition()).position).toBe(0n);
  });

  it('serializes concurrent commands on one stream through revision conflicts, losing none', async () => {
    const store = createInMemoryEventStore();
    const retries: number[] = [];
    const results = await Promise.all([1, 2, 3].map((n) =>
      handleCommand(store, tally, codec, { type: 'Add', amount: n }, { ...options(`k${n}`), hooks: { onConflictRetry: (_s, attempt) => retries.push(attempt) } })));
    expect(results.every(E.isRight)).toBe(true);
    expect((await loadStream(store, 'tally-1', tally, codec, 1)).state).toEqual({ total: 6 });
    expect(retries.length).toBeGreaterThan(0);
  });

  it('a conflict that carries the missed events is decided again at once on them; one without backs off and reads', async () => {
    const store = createInMemoryEventStore();
    const cache = new StreamStateCache<unknown>();
    await handleCommand(store, tally, codec, { type: 'Add', amount: 1 }, { ...options('k1'), cache });
    await store.appendToStream('tally-1', [{ id: 'other-writer', type: 'Added', data: { amount: 2 } }], { expectedRevision: 'any' }); // another process
    const sleeps = jest.spyOn(global, 'setTimeout');
    const reads = jest.spyOn(store, 'readStream');
    try {
      const retries: number[] = [];
      const result = await handleCommand(store, tally, codec, { type: 'Add', amount: 4 }, { ...options('k2'), cache, hooks: { onConflictRetry: (_s, attempt) => retries.push(attempt) } });
      expect(result).toEqual(E.right(expect.objectContaining({ state: { total: 7 } })));
      expect(retries).toEqual([1]);
      expect(sleeps).not.toHaveBeenCalled();
      expect(reads).not.toHaveBeenCalled();
      // Lost on a fresh read: the conflict's tail is as fresh as a read, so the retry goes at once too.
      const racedOnce = (rival: () => Promise<unknown>) => ({ ...store, appendToStream: (() => {
        let first = true;
        return async (...args: Parameters<typeof store.appendToStream>) => {
          if (first) { first = false; await rival(); }
          return store.appendToStream(...args);
        };
      })() });
      const raced = await handleCommand(racedOnce(() => store.appendToStream('tally-1', [{ id: 'racer', type: 'Added', data: { amount: 8 } }], { expectedRevision: 'any' })), tally, codec, { type: 'Add', amount: 16 }, options('k3'));
      expect(raced).toEqual(E.right(expect.objectContaining({ state: { total: 31 } })));
      expect(sleeps).not.toHaveBeenCalled();
      // More missed than a conflict carries: the retry backs off, then reads the stream.
      const many = Array.from({ length: CONFLICT_TAIL_MAX + 1 }, (_, i) => ({ id: `burst-${i}`, type: 'Added', data: { amount: 0 } }));
      reads.mockClear();
      const flooded = await handleCommand(racedOnce(() => store.appendToStream('tally-1', many, { expectedRevision: 'any' })), tally, codec, { type: 'Add', amount: 32 }, options('k4'));
      expect(flooded).toEqual(E.right(expect.objectContaining({ state: { total: 63 } })));
      expect(sleeps).toHaveBeenCalledTimes(1);
      expect(reads).toHaveBeenCalled();
    } finally {
      sleeps.mockRestore();
      reads.mockRestore();
    }
  });

  it('is not starved by another process appending every millisecond: the retry on the tail goes before the next of its appends', async () => {
    const store = createInMemoryEventStore();
    let rivalWrites = 0;
    const rival = setInterval(() => { rivalWrites += 1; void store.appendToStream('tally-1', [{ id: `rival-${rivalWrites}`, type: 'Added', data: { amount: 0 } }], { expectedRevision: 'any' }); }, 1);
    try {
      // The rival gets in first, so the command's first round is refused on a fresh read.
      const racedOnce = { ...store, appendToStream: (() => {
        let first = true;
        return async (...args: Parameters<typeof store.appendToStream>) => {
          if (first) { first = false; await store.appendToStream('tally-1', [{ id: 'racer', type: 'Added', data: { amount: 1 } }], { expectedRevision: 'any' }); }
          return store.appendToStream(...args);
        };
      })() };
      await new Promise((resolve) => setTimeout(resolve, 5));
      const retries: number[] = [];
      const result = await handleCommand(racedOnce, tally, codec, { type: 'Add', amount: 2 }, { ...options('k1'), hooks: { onConflictRetry: (_s, attempt) => retries.push(attempt) } });
      expect(result).toEqual(E.right(expect.objectContaining({ state: { total: 3 } })));
      expect(retries).toEqual([1]);
    } finally {
      clearInterval(rival);
    }
  });

  it('gives up with a stable code after the bounded number of attempts', async () => {
    const store = createInMemoryEventStore();
    // A competing writer that always gets in between our read and our append.
    const contended = { ...store, appendToStream: async (...args: Parameters<typeof store.appendToStream>) => {
      await store.appendToStream('tally-1', [{ id: `${Math.random()}`, type: 'Added', data: { amount: 1 } }], { expectedRevision: 'any' });
      return store.appendToStream(...args);
    } };
    const result = await handleCommand(contended, tally, codec, { type: 'Add', amount: 1 }, options('k1'));
    expect(result).toEqual(E.left(expect.objectContaining({ code: ConcurrencyRetriesExhausted })));
    expect((await store.headPosition()).position).toBe(BigInt(COMMAND_ATTEMPTS_MAX));
  });

  it('snapshots a long stream and loads the same state from snapshot plus tail', async () => {
    const store = createInMemoryEventStore();
    const count = SNAPSHOT_EVERY_EVENTS * 2 + 7;
    for (let i = 1; i <= count; i += 1) await handleCommand(store, tally, codec, { type: 'Add', amount: i }, options(`k${i}`));
    const snapshots = await collect(store.readStream(snapshotStreamOf('tally-1')));
    expect(snapshots).toHaveLength(2);
    const loaded = await loadStream(store, 'tally-1', tally, codec, 1);
    expect(loaded.state).toEqual({ total: (count * (count + 1)) / 2 });
    expect(loaded.eventsSinceSnapshot).toBe(7);
    expect(loaded.revision).toBe(BigInt(count - 1));
    // A snapshot of another state shape is ignored, not trusted.
    expect((await loadStream(store, 'tally-1', tally, codec, 2)).eventsSinceSnapshot).toBe(count);
  });

  it('ignores a snapshot that does not decode, says so, and rebuilds the state from the events', async () => {
    const store = createInMemoryEventStore();
    for (let i = 1; i <= 5; i += 1) await handleCommand(store, tally, codec, { type: 'Add', amount: i }, options(`k${i}`));
    const ignored: SnapshotIgnored[] = [];
    const onIgnored = (_streamId: string, why: SnapshotIgnored) => { ignored.push(why); };
    // A snapshot of the current state version claiming the whole stream, with a state that is not a tally.
    await writeSnapshot(store, 'tally-1', 1, 4n, { total: 'a great deal' }, 'bad-state');
    expect(await loadStream(store, 'tally-1', tally, codec, 1, undefined, onIgnored)).toEqual({ state: { total: 15 }, revision: 4n, eventsSinceSnapshot: 5 });
    await store.appendToStream(snapshotStreamOf('tally-1'), [{ id: 'not-a-snapshot', type: 'StateSnapshotted', data: { revision: 'latest' } }], { expectedRevision: 'any' });
    expect(await loadStream(store, 'tally-1', tally, codec, 1, undefined, onIgnored)).toEqual({ state: { total: 15 }, revision: 4n, eventsSinceSnapshot: 5 });
    // A load scans the last few snapshots, newest first, so the second load passes over both damaged ones.
    expect(ignored).toEqual([
      { snapshotId: 'bad-state', reason: 'state_does_not_decode' },
      { snapshotId: 'not-a-snapshot', reason: 'not_a_snapshot' }, { snapshotId: 'bad-state', reason: 'state_does_not_decode' },
    ]);
    // The command handler decides on the rebuilt state and reports the snapshot it ignored.
    const hooks = { onSnapshotIgnored: onIgnored };
    expect(await handleCommand(store, tally, codec, { type: 'Add', amount: 6 }, { ...options('k6'), hooks })).toEqual(E.right(expect.objectContaining({ state: { total: 21 } })));
    expect(ignored).toHaveLength(5);
  });

  it('decides on the current state even when another process wrote behind the cache', async () => {
    const store = createInMemoryEventStore();
    const cache = new StreamStateCache<unknown>();
    const cached = { ...options('k1'), cache };
    await handleCommand(store, tally, codec, { type: 'Add', amount: 10 }, cached);
    // Another API node, with its own cache, writes to the same stream.
    await handleCommand(store, tally, codec, { type: 'Add', amount: CAP - 15 }, options('k2'));
    const refused = await handleCommand(store, tally, codec, { type: 'Add', amount: 6 }, { ...options('k3'), cache });
    expect(refused).toEqual(E.left({ code: 'OVER_CAP' }));
    const accepted = await handleCommand(store, tally, codec, { type: 'Add', amount: 5 }, { ...options('k4'), cache });
    expect(accepted).toEqual(E.right(expect.objectContaining({ state: { total: CAP } })));
    expect(cache.get('tally-1')).toEqual(expect.objectContaining({ state: { total: CAP }, revision: 2n }));
  });

  it('accepts on the cached state without reading the stream, and appends nothing when the cache is stale; a stale cache catches up on the conflict\'s tail', async () => {
    const store = createInMemoryEventStore();
    const cache = new StreamStateCache<unknown>();
    await handleCommand(store, tally, codec, { type: 'Add', amount: 1 }, { ...options('k1'), cache });
    const reads: string[] = [];
    const counted = { ...store, readStream: (...args: Parameters<typeof store.readStream>) => { reads.push(args[0]); return store.readStream(...args); } };
    await handleCommand(counted, tally, codec, { type: 'Add', amount: 2 }, { ...options('k2'), cache });
    expect(reads).toEqual([]);
    // Someone else writes; our cached decision's append conflicts, and its tail brings what we missed: no read.
    await handleCommand(store, tally, codec, { type: 'Add', amount: 4 }, options('k3'));
    const appends: string[] = [];
    const countedBoth = { ...counted, appendToStream: (...args: Parameters<typeof store.appendToStream>) => { appends.push(args[0]); return store.appendToStream(...args); } };
    const result = await handleCommand(countedBoth, tally, codec, { type: 'Add', amount: 8 }, { ...options('k4'), cache });
    expect(result).toEqual(E.right(expect.objectContaining({ state: { total: 15 } })));
    expect([reads, appends.length]).toEqual([[], 2]);
    expect(cache.get('tally-1')).toEqual(expect.objectContaining({ state: { total: 15 }, revision: 3n }));
    // A conflict without a tail (too far behind) reads the stream.
    await handleCommand(store, tally, codec, { type: 'Add', amount: 16 }, options('k5'));
    const withoutTail = { ...counted, appendToStream: async (...args: Parameters<typeof store.appendToStream>) => {
      const outcome = await store.appendToStream(...args);
      return outcome.kind === 'RevisionConflict' ? { ...outcome, tail: undefined } : outcome;
    } };
    expect(await handleCommand(withoutTail, tally, codec, { type: 'Add', amount: 32 }, { ...options('k6'), cache })).toEqual(E.right(expect.objectContaining({ state: { total: 63 } })));
    expect(reads.length).toBeGreaterThan(0);
  });
});

describe('retries decided on an older state', () => {
  // A ledger whose events carry the command's time, as real ones do: a retry differs from the original.
  type TimedCmd = { type: 'Add'; amount: number; atMs: number };
  type TimedEv = { type: 'Added'; data: { amount: number; atMs: number } };
  type TimedSt = { total: number; lastAtMs: number };
  const timed: Decider<TimedCmd, TimedSt, TimedEv, never> = {
    initialState: { total: 0, lastAtMs: 0 },
    evolve: (state, event) => ({ total: state.total + event.data.amount, lastAtMs: event.data.atMs }),
    decide: (command) => E.right([{ type: 'Added', data: { amount: command.amount, atMs: command.atMs } }]),
    stateCodec: t.type({ total: t.number, lastAtMs: t.number }),
  };
  const timedCodec: EventCodec<TimedEv> = {
    encode: (event) => ({ type: event.type, data: event.data }),
    decode: (_type, data) => E.right({ type: 'Added', data: data as TimedEv['data'] }),
  };
  const run = (store: ReturnType<typeof createInMemoryEventStore>, cache: StreamStateCache<unknown>, source: string, amount: number, atMs: number) =>
    handleCommand(store, timed, timedCodec, { type: 'Add', amount, atMs }, { streamId: 's', eventIdSource: source, metadata: {}, stateVersion: 1, cache });
  const fresh = async (store: ReturnType<typeof createInMemoryEventStore>) => (await loadStream(store, 's', timed, timedCodec, 1)).state;

  it('never answers with events other than those stored, when a stale process retries with other content', async () => {
    const store = createInMemoryEventStore();
    const [cacheA, cacheB] = [new StreamStateCache<unknown>(), new StreamStateCache<unknown>()];
    await run(store, cacheB, 'k0', 1, 0);
    await run(store, cacheA, 'k1', 5, 1);
    const retried = await run(store, cacheB, 'k1', 5, 2); // the same request again, later, on B's stale cache
    expect(E.isRight(retried) && retried.right.state).toEqual(await fresh(store));
    expect(cacheB.get('s')?.state).toEqual(await fresh(store));
    expect(new Set((await collect(store.readAll())).map((e) => e.id)).size).toBe(3);
  });

  it('takes an exact repeat of a decision already stored as written, and answers with the stored state', async () => {
    const store = createInMemoryEventStore();
    const [cacheA, cacheB] = [new StreamStateCache<unknown>(), new StreamStateCache<unknown>()];
    await run(store, cacheB, 'k0', 1, 0);
    await run(store, cacheA, 'k1', 5, 1);
    const repeated = await run(store, cacheB, 'k1', 5, 1);
    expect(E.isRight(repeated) && repeated.right.state).toEqual({ total: 6, lastAtMs: 1 });
    expect(await fresh(store)).toEqual({ total: 6, lastAtMs: 1 });
    expect((await store.headPosition()).position).toBe(2n);
  });
});

describe('StreamStateCache', () => {
  it('drops the least recently used stream past its bound and never goes back in revision', () => {
    const cache = new StreamStateCache<string>(2);
    cache.set('a', { state: 'a1', revision: 1n, eventsSinceSnapshot: 1 });
    cache.set('b', { state: 'b1', revision: 1n, eventsSinceSnapshot: 1 });
    cache.get('a');
    cache.set('c', { state: 'c1', revision: 1n, eventsSinceSnapshot: 1 });
    expect([cache.get('a')?.state, cache.get('b'), cache.get('c')?.state]).toEqual(['a1', undefined, 'c1']);
    cache.set('a', { state: 'a0', revision: 0n, eventsSinceSnapshot: 0 });
    expect(cache.get('a')?.state).toBe('a1');
  });
});
