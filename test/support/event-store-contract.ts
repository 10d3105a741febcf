import { randomUUID } from 'node:crypto';
import { type AppendResult, collect, CONFLICT_TAIL_MAX, conflictTailRange, type EventData, type EventStore, type ExpectedRevision, type RecordedEvent } from '../../infrastructure/event-store/port';

/**
 * The one contract every EventStore adapter passes. Register it from a test file with a factory;
 * every test uses streams of its own, so one store (one database, one server) serves them all.
 */
export type EventStoreContractOptions = {
  /** The PostgreSQL adapter refuses an event id stored anywhere else; EventStoreDB only dedupes within a stream. */
  readonly eventIdsUniqueAcrossStreams: boolean;
};

/** Bounds of the concurrent-writers scenario. */
const WRITERS = 20;
const APPENDS_PER_WRITER = 50;
const SHARED_STREAMS = 5;
const CONFLICT_RETRIES_MAX = 500;
const RETRY_JITTER_MS_MAX = 10;
/**
 * About 2,000 conflicts and 3,000 reads: 6 s on a quiet box for PGlite, which runs every statement on one
 * thread. Conflicts grow with the box's stalls (a stale revision loses again), and a CI run 5x slower than
 * usual took over 60 s, so this one scenario gets more than the suite's default.
 */
const CONCURRENT_WRITERS_TIMEOUT_MS = 300_000;
/** Events a subscription test waits for before it gives up (the test then fails on its count). */
const SUBSCRIPTION_EVENTS_MAX = 1_000;

const event = (type = 'Tested', data: unknown = { n: 1 }): EventData => ({ id: randomUUID(), type, data, metadata: { actor: 'system:test' } });

const appended = (result: AppendResult) => {
  if (result.kind !== 'Appended') throw new Error(`expected Appended, got ${JSON.stringify(result, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}`);
  return result;
};

/** Takes `count` events from a subscription, then aborts it. */
const take = async (iterable: AsyncIterable<RecordedEvent>, count: number, controller: AbortController): Promise<RecordedEvent[]> => {
  const seen: RecordedEvent[] = [];
  for await (const recorded of iterable) {
    seen.push(recorded);
    if (seen.length >= count || seen.length >= SUBSCRIPTION_EVENTS_MAX) break;
  }
  controller.abort();
  return seen;
};

const readAllInPages = async (store: EventStore, prefix: string, pageSize: number, fromPosition: bigint): Promise<RecordedEvent[]> => {
  const all: RecordedEvent[] = [];
  let from = fromPosition;
  for (let pages = 0; pages <= WRITERS * APPENDS_PER_WRITER + 1; pages += 1) {
    const page = await collect(store.readAll({ fromPosition: from, maxCount: pageSize, filter: { streamPrefixes: [prefix] } }));
    all.push(...page);
    const last = page[page.length - 1];
    if (!last || page.length < pageSize) break;
    from = last.position;
  }
  return all;
};

export const registerEventStoreContract = (name: string, createStore: () => Promise<EventStore>, options: EventStoreContractOptions): void => {
  describe(`EventStore contract: ${name}`, () => {
    let store: EventStore;
    beforeAll(async () => { store = await createStore(); });
    afterAll(async () => { await store?.close(); });
    const stream = (label: string) => `${label}-${randomUUID()}`;

    describe('expected revision', () => {
      it('no_stream creates a stream and returns its last revision and position', async () => {
        const id = stream('account');
        const first = appended(await store.appendToStream(id, [event(), event()], { expectedRevision: 'no_stream' }));
        expect(first.nextRevision).toBe(1n);
        const second = appended(await store.appendToStream(id, [event()], { expectedRevision: 1n }));
        expect(second.nextRevision).toBe(2n);
        expect(second.position).toBeGreaterThan(first.position);
      });

      it('no_stream on an existing stream is a conflict that names the actual revision and carries the stream', async () => {
        const id = stream('account');
        appended(await store.appendToStream(id, [event(), event()], { expectedRevision: 'no_stream' }));
        const written = await collect(store.readStream(id));
        await expect(store.appendToStream(id, [event()], { expectedRevision: 'no_stream' }))
          .resolves.toEqual({ kind: 'RevisionConflict', streamId: id, expected: 'no_stream', actual: 1n, tail: written });
      });

      it('an exact revision that is stale, ahead, or on a missing stream is a conflict and writes nothing', async () => {
        const id = stream('account');
        appended(await store.appendToStream(id, [event(), event(), event()], { expectedRevision: 'no_stream' }));
        const written = await collect(store.readStream(id));
        await expect(store.appendToStream(id, [event()], { expectedRevision: 1n }))
          .resolves.toEqual({ kind: 'RevisionConflict', streamId: id, expected: 1n, actual: 2n, tail: written.slice(2) });
        await expect(store.appendToStream(id, [event()], { expectedRevision: 5n }))
          .resolves.toEqual({ kind: 'RevisionConflict', streamId: id, expected: 5n, actual: 2n });
        const missing = stream('missing');
        await expect(store.appendToStream(missing, [event()], { expectedRevision: 0n }))
          .resolves.toEqual({ kind: 'RevisionConflict', streamId: missing, expected: 0n, actual: 'no_stream' });
        expect(await collect(store.readStream(id))).toHaveLength(3);
        expect(await collect(store.readStream(missing))).toEqual([]);
      });

      it(`a stale revision's conflict carries the events after it (so the caller need not read), up to ${CONFLICT_TAIL_MAX} of them`, async () => {
        const id = stream('account');
        appended(await store.appendToStream(id, Array.from({ length: CONFLICT_TAIL_MAX + 2 }, () => event('Tested', { n: 1, text: 'ü "quoted"' })), { expectedRevision: 'no_stream' }));
        const written = await collect(store.readStream(id));
        const actual = BigInt(CONFLICT_TAIL_MAX + 1);
        // An id conflict elsewhere in the stream carries it too: the tail describes the stream, not the append.
        for (const events of [[event()], [written[0]!]]) {
          await expect(store.appendToStream(id, events, { expectedRevision: 1n }))
            .resolves.toEqual({ kind: 'RevisionConflict', streamId: id, expected: 1n, actual, tail: written.slice(2) });
        }
        await expect(store.appendToStream(id, [], { expectedRevision: 1n }))
          .resolves.toEqual({ kind: 'RevisionConflict', streamId: id, expected: 1n, actual, tail: written.slice(2) });
        // Further behind than that: no tail, the caller reads.
        await expect(store.appendToStream(id, [event()], { expectedRevision: 0n }))
          .resolves.toEqual({ kind: 'RevisionConflict', streamId: id, expected: 0n, actual });
        expect(conflictTailRange('any', actual)).toBeUndefined();
      });

      it('any appends to a missing and to an existing stream', async () => {
        const id = stream('account');
        expect(appended(await store.appendToStream(id, [event()], { expectedRevision: 'any' })).nextRevision).toBe(0n);
        expect(appended(await store.appendToStream(id, [event(), event()], { expectedRevision: 'any' })).nextRevision).toBe(2n);
      });

      it('of two concurrent appends at one revision, exactly one wins', async () => {
        const id = stream('account');
        appended(await store.appendToStream(id, [event()], { expectedRevision: 'no_stream' }));
        const results = await Promise.all([0, 1, 2, 3].map(() => store.appendToStream(id, [event()], { expectedRevision: 0n })));
        expect(results.filter((r) => r.kind === 'Appended')).toHaveLength(1);
        expect(results.filter((r) => r.kind === 'RevisionConflict')).toHaveLength(3);
        expect(await collect(store.readStream(id))).toHaveLength(2);
      });
    });

    describe('idempotent re-append', () => {
      it('the same ids at the same place succeed again, write nothing, and return the original positions', async () => {
        const id = stream('account');
        const events = [event(), event()];
        const first = appended(await store.appendToStream(id, events, { expectedRevision: 'no_stream' }));
        await expect(store.appendToStream(id, events, { expectedRevision: 'no_stream' })).resolves.toEqual(first);
        const next = [event()];
        const second = appended(await store.appendToStream(id, next, { expectedRevision: 1n }));
        appended(await store.appendToStream(id, [event()], { expectedRevision: 2n }));
        await expect(store.appendToStream(id, next, { expectedRevision: 1n })).resolves.toEqual(second);
        expect((await collect(store.readStream(id))).map((e) => e.revision)).toEqual([0n, 1n, 2n, 3n]);
      });

      it('a retry with any finds the events where they were written', async () => {
        const id = stream('account');
        const events = [event()];
        const first = appended(await store.appendToStream(id, events, { expectedRevision: 'any' }));
        await expect(store.appendToStream(id, events, { expectedRevision: 'any' })).resolves.toEqual(first);
        expect(await collect(store.readStream(id))).toHaveLength(1);
      });

      if (options.eventIdsUniqueAcrossStreams) {
        it('an id stored in another stream, or elsewhere in this one, is a conflict, not a second write', async () => {
          const id = stream('account');
          const other = stream('account');
          const shared = event();
          appended(await store.appendToStream(id, [shared], { expectedRevision: 'no_stream' }));
          await expect(store.appendToStream(other, [shared], { expectedRevision: 'no_stream' }))
            .resolves.toEqual({ kind: 'RevisionConflict', streamId: other, expected: 'no_stream', actual: 'no_stream' });
          appended(await store.appendToStream(id, [event()], { expectedRevision: 0n }));
          await expect(store.appendToStream(id, [shared], { expectedRevision: 1n }))
            .resolves.toMatchObject({ kind: 'RevisionConflict', actual: 1n });
          expect(await collect(store.readStream(other))).toEqual([]);
          expect(await collect(store.readStream(id))).toHaveLength(2);
        });
      }
    });

    describe('what PostgreSQL refuses, every adapter refuses', () => {
      it.each([
        ['NUL in data', { data: { name: 'Ann\u0000' } }],
        ['a lone surrogate in data', { data: { name: 'Lee\ud800' } }],
        ['NUL in a data key', { data: { ['a\u0000']: 1 } }],
        ['a lone surrogate in metadata', { metadata: { actor: '\udc00' } }],
      ])('%s: the append fails and writes nothing, not even its other events', async (_label, poison) => {
        const id = stream('account');
        await expect(store.appendToStream(id, [event(), { ...event(), ...poison }], { expectedRevision: 'no_stream' })).rejects.toThrow();
        expect(await collect(store.readStream(id))).toEqual([]);
        appended(await store.appendToStream(id, [event()], { expectedRevision: 'no_stream' }));
      });

      it('an append holding one event id twice fails and writes nothing', async () => {
        const id = stream('account');
        const twice = event();
        await expect(store.appendToStream(id, [twice, event(), twice], { expectedRevision: 'no_stream' })).rejects.toThrow();
        expect(await collect(store.readStream(id))).toEqual([]);
      });
    });

    describe('reads', () => {
      it('readStream returns the events in order, from a revision, at most maxCount', async () => {
        const id = stream('account');
        const events = [0, 1, 2, 3, 4].map((n) => event('Counted', { n, amountDecimal: '1.50' }));
        appended(await store.appendToStream(id, events, { expectedRevision: 'no_stream' }));
        const all = await collect(store.readStream(id));
        expect(all.map((e) => e.id)).toEqual(events.map((e) => e.id));
        expect(all[2]).toMatchObject({ streamId: id, revision: 2n, type: 'Counted', data: { n: 2, amountDecimal: '1.50' }, metadata: { actor: 'system:test' } });
        expect(typeof all[2]!.createdAtMs).toBe('number');
        expect((await collect(store.readStream(id, { fromRevision: 3n }))).map((e) => e.revision)).toEqual([3n, 4n]);
        expect((await collect(store.readStream(id, { fromRevision: 1n, maxCount: 2 }))).map((e) => e.revision)).toEqual([1n, 2n]);
      });

      it('readStream backwards starts at the last event (or fromRevision) and walks down', async () => {
        const id = stream('snapshots');
        appended(await store.appendToStream(id, [0, 1, 2, 3].map((n) => event('Counted', { n })), { expectedRevision: 'no_stream' }));
        expect((await collect(store.readStream(id, { direction: 'backwards', maxCount: 1 }))).map((e) => e.revision)).toEqual([3n]);
        expect((await collect(store.readStream(id, { direction: 'backwards' }))).map((e) => e.revision)).toEqual([3n, 2n, 1n, 0n]);
        expect((await collect(store.readStream(id, { direction: 'backwards', fromRevision: 2n, maxCount: 2 }))).map((e) => e.revision)).toEqual([2n, 1n]);
        expect(await collect(store.readStream(stream('missing'), { direction: 'backwards', maxCount: 1 }))).toEqual([]);
      });

      it('readAll is exclusive of fromPosition, honours maxCount and filters by type and stream prefix', async () => {
        const prefix = `reads${randomUUID().slice(0, 8)}_`;
        const start = (await store.headPosition()).position;
        const a = appended(await store.appendToStream(`${prefix}a`, [event('Deposited'), event('Withdrawn')], { expectedRevision: 'no_stream' }));
        appended(await store.appendToStream(`${prefix}b`, [event('Deposited')], { expectedRevision: 'no_stream' }));
        appended(await store.appendToStream(`other${prefix}c`, [event('Deposited')], { expectedRevision: 'no_stream' }));
        const mine = await collect(store.readAll({ fromPosition: start, filter: { streamPrefixes: [prefix] } }));
        expect(mine.map((e) => `${e.streamId}:${e.type}`)).toEqual([`${prefix}a:Deposited`, `${prefix}a:Withdrawn`, `${prefix}b:Deposited`]);
        expect(mine.every((e, i) => i === 0 || e.position > mine[i - 1]!.position)).toBe(true);
        expect(mine[1]!.position).toBe(a.position);
        const after = await collect(store.readAll({ fromPosition: a.position, filter: { streamPrefixes: [prefix] } }));
        expect(after.map((e) => e.streamId)).toEqual([`${prefix}b`]);
        const deposits = await collect(store.readAll({ fromPosition: start, filter: { streamPrefixes: [prefix], eventTypes: ['Deposited'] } }));
        expect(deposits.map((e) => e.streamId)).toEqual([`${prefix}a`, `${prefix}b`]);
        expect(await collect(store.readAll({ fromPosition: start, maxCount: 2, filter: { streamPrefixes: [prefix] } }))).toHaveLength(2);
      });

      it('headPosition is the position of the last event written, and says it is complete when nothing is in flight', async () => {
        const result = appended(await store.appendToStream(stream('account'), [event()], { expectedRevision: 'no_stream' }));
        const head = await store.headPosition();
        expect(head.position).toBeGreaterThanOrEqual(result.position);
        expect(head.mayBeBehind).toBe(false);
      });

      it('an empty append answers with the position of the stream\'s own last event (0n when it has none), not the head', async () => {
        const id = stream('account');
        const written = appended(await store.appendToStream(id, [event(), event()], { expectedRevision: 'no_stream' }));
        appended(await store.appendToStream(stream('other'), [event()], { expectedRevision: 'no_stream' }));
        await expect(store.appendToStream(id, [], { expectedRevision: 1n })).resolves.toEqual({ kind: 'Appended', nextRevision: 1n, position: written.position });
        await expect(store.appendToStream(id, [], { expectedRevision: 'any' })).resolves.toEqual({ kind: 'Appended', nextRevision: 1n, position: written.position });
        await expect(store.appendToStream(stream('missing'), [], { expectedRevision: 'no_stream' })).resolves.toEqual({ kind: 'Appended', nextRevision: -1n, position: 0n });
      });
    });

    describe('subscribeToAll', () => {
      it('catches up, then delivers live events, in position order, filtered, until aborted', async () => {
        const prefix = `sub${randomUUID().slice(0, 8)}_`;
        const start = (await store.headPosition()).position;
        appended(await store.appendToStream(`${prefix}a`, [event('Deposited'), event('Ignored')], { expectedRevision: 'no_stream' }));
        const controller = new AbortController();
        const seen = take(store.subscribeToAll({ fromPosition: start, filter: { streamPrefixes: [prefix], eventTypes: ['Deposited'] }, signal: controller.signal }), 3, controller);
        appended(await store.appendToStream(`${prefix}b`, [event('Ignored'), event('Deposited')], { expectedRevision: 'no_stream' }));
        appended(await store.appendToStream(`other-${prefix}`, [event('Deposited')], { expectedRevision: 'no_stream' }));
        appended(await store.appendToStream(`${prefix}a`, [event('Deposited')], { expectedRevision: 1n }));
        const events = await seen;
        expect(events.map((e) => `${e.streamId}:${e.revision}`)).toEqual([`${prefix}a:0`, `${prefix}b:1`, `${prefix}a:2`]);
        expect(events.every((e, i) => i === 0 || e.position > events[i - 1]!.position)).toBe(true);
      });

      it('resumes after a checkpoint without repeating it', async () => {
        const prefix = `resume${randomUUID().slice(0, 8)}_`;
        appended(await store.appendToStream(`${prefix}a`, [event(), event(), event()], { expectedRevision: 'no_stream' }));
        const [, second] = await collect(store.readAll({ filter: { streamPrefixes: [prefix] } }));
        const controller = new AbortController();
        const rest = await take(store.subscribeToAll({ fromPosition: second!.position, filter: { streamPrefixes: [prefix] }, signal: controller.signal }), 1, controller);
        expect(rest.map((e) => e.revision)).toEqual([2n]);
      });
    });

    describe('concurrent writers, then paging', () => {
      it(`${WRITERS} writers x ${APPENDS_PER_WRITER} appends read back in pages of 1, 7 and 1000: every event once, same order`, async () => {
        const prefix = `conc${randomUUID().slice(0, 8)}_`;
        const start = (await store.headPosition()).position;
        // What a command handler does: append at the revision it knows, on a conflict take the
        // actual revision and try again after a short random pause (so no writer starves).
        const appendWithRetry = async (streamId: string): Promise<void> => {
          let expectedRevision: ExpectedRevision = 'no_stream';
          for (let attempt = 1; attempt <= CONFLICT_RETRIES_MAX; attempt += 1) {
            const result = await store.appendToStream(streamId, [event('Written')], { expectedRevision });
            if (result.kind === 'Appended') return;
            expectedRevision = result.actual;
            await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(attempt, RETRY_JITTER_MS_MAX)));
          }
          throw new Error(`no append to ${streamId} after ${CONFLICT_RETRIES_MAX} conflicts`);
        };
        await Promise.all(Array.from({ length: WRITERS }, async (_, writer) => {
          for (let n = 0; n < APPENDS_PER_WRITER; n += 1) {
            const streamId = n % 2 === 0 ? `${prefix}own-${writer}` : `${prefix}shared-${n % SHARED_STREAMS}`;
            await appendWithRetry(streamId);
          }
        }));
        const byOne = await readAllInPages(store, prefix, 1, start);
        const bySeven = await readAllInPages(store, prefix, 7, start);
        const byThousand = await readAllInPages(store, prefix, 1000, start);
        expect(byThousand).toHaveLength(WRITERS * APPENDS_PER_WRITER);
        expect(new Set(byThousand.map((e) => e.id)).size).toBe(WRITERS * APPENDS_PER_WRITER);
        expect(byThousand.every((e, i) => i === 0 || e.position > byThousand[i - 1]!.position)).toBe(true);
        expect(byOne.map((e) => e.id)).toEqual(byThousand.map((e) => e.id));
        expect(bySeven.map((e) => e.id)).toEqual(byThousand.map((e) => e.id));
        const revisionsOf = (streamId: string) => byThousand.filter((e) => e.streamId === streamId).map((e) => Number(e.revision));
        expect(revisionsOf(`${prefix}shared-1`)).toEqual(Array.from({ length: revisionsOf(`${prefix}shared-1`).length }, (_, i) => i));
      }, CONCURRENT_WRITERS_TIMEOUT_MS);
    });
  });
};
