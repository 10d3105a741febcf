import { conflictTailRange, type AllFilter, type AppendResult, type EventData, type EventStore, type ExpectedRevision, type ReadAllOptions, type ReadStreamOptions, type RecordedEvent, type SubscribeOptions } from './port';
import { assertStorableEvents } from './storable-events';

const matches = (event: RecordedEvent, filter: AllFilter | undefined): boolean =>
  (!filter?.eventTypes || filter.eventTypes.includes(event.type)) &&
  (!filter?.streamPrefixes || filter.streamPrefixes.some((prefix) => event.streamId.startsWith(prefix)));

/** For unit tests only: one process, no durability. Same semantics as the real adapters. */
export const createInMemoryEventStore = (nowMs: () => number = () => Date.now()): EventStore => {
  const all: RecordedEvent[] = [];
  const streams = new Map<string, RecordedEvent[]>();
  const waiters = new Set<() => void>();
  const byId = new Map<string, RecordedEvent>();

  const appendToStream = async (streamId: string, events: readonly EventData[], options: { readonly expectedRevision: ExpectedRevision }): Promise<AppendResult> => {
    assertStorableEvents(streamId, events);
    const stream = streams.get(streamId) ?? [];
    const actual = stream.length === 0 ? 'no_stream' : BigInt(stream.length - 1);
    const { expectedRevision } = options;
    const conflict = (): AppendResult => {
      const range = conflictTailRange(expectedRevision, actual);
      const tail = range === undefined ? undefined : stream.slice(Number(range.fromRevision), Number(range.fromRevision) + range.count);
      return { kind: 'RevisionConflict', streamId, expected: expectedRevision, actual, ...(tail === undefined ? {} : { tail }) };
    };
    // An id stored before is either a retry of events already written at exactly this place
    // (a success that writes nothing) or a conflict; never a second copy.
    const stored = events.map((event) => byId.get(event.id));
    if (stored.some((recorded) => recorded !== undefined)) {
      const first = stored[0];
      const startRevision = expectedRevision === 'any' ? first?.revision ?? -1n : expectedRevision === 'no_stream' ? 0n : expectedRevision + 1n;
      const samePlace = stored.every((recorded, i) => recorded?.streamId === streamId && recorded.revision === startRevision + BigInt(i));
      const last = stored[stored.length - 1];
      if (samePlace && last) return { kind: 'Appended', nextRevision: last.revision, position: last.position };
      return conflict();
    }
    if (expectedRevision !== 'any' && expectedRevision !== (actual === 'no_stream' ? 'no_stream' : actual)) {
      return conflict();
    }
    for (const event of events) {
      const recorded: RecordedEvent = {
        id: event.id, streamId, revision: BigInt(stream.length), position: BigInt(all.length + 1),
        type: event.type, data: structuredClone(event.data), metadata: event.metadata ?? {}, createdAtMs: nowMs(),
      };
      stream.push(recorded);
      byId.set(recorded.id, recorded);
      all.push(recorded);
    }
    streams.set(streamId, stream);
    for (const wake of waiters) wake();
    const last = stream[stream.length - 1];
    return { kind: 'Appended', nextRevision: last ? last.revision : -1n, position: last ? last.position : 0n };
  };

  async function* readStream(streamId: string, options: ReadStreamOptions = {}): AsyncIterable<RecordedEvent> {
    const stream = streams.get(streamId) ?? [];
    if (options.direction === 'backwards') {
      const from = Math.min(Number(options.fromRevision ?? BigInt(stream.length - 1)), stream.length - 1);
      const to = options.maxCount === undefined ? 0 : Math.max(0, from + 1 - options.maxCount);
      for (let i = from; i >= to; i -= 1) yield stream[i]!;
      return;
    }
    const from = Number(options.fromRevision ?? 0n);
    const to = options.maxCount === undefined ? undefined : from + options.maxCount;
    yield* stream.slice(from, to);
  }

  async function* readAll(options: ReadAllOptions = {}): AsyncIterable<RecordedEvent> {
    let count = 0;
    for (const event of all.slice(Number(options.fromPosition ?? 0n))) {
      if (options.maxCount !== undefined && count >= options.maxCount) return;
      if (!matches(event, options.filter)) continue;
      count += 1;
      yield event;
    }
  }

  async function* subscribeToAll(options: SubscribeOptions = {}): AsyncIterable<RecordedEvent> {
    let next = Number(options.fromPosition ?? 0n);
    while (!options.signal?.aborted) {
      while (next < all.length) {
        const event = all[next]!;
        next += 1;
        if (matches(event, options.filter)) yield event;
        if (options.signal?.aborted) return;
      }
      await new Promise<void>((resolve) => {
        const wake = () => { waiters.delete(wake); options.signal?.removeEventListener('abort', wake); resolve(); };
        waiters.add(wake);
        options.signal?.addEventListener('abort', wake, { once: true });
      });
    }
  }

  return {
    appendToStream, readStream, readAll, subscribeToAll,
    headPosition: async () => ({ position: BigInt(all.length), mayBeBehind: false }),
    close: async () => { for (const wake of waiters) wake(); },
  };
};
