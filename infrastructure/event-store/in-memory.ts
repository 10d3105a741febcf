import type { AllFilter, AppendResult, EventData, EventStore, ExpectedRevision, ReadAllOptions, ReadStreamOptions, RecordedEvent, SubscribeOptions } from './port';

const matches = (event: RecordedEvent, filter: AllFilter | undefined): boolean =>
  (!filter?.eventTypes || filter.eventTypes.includes(event.type)) &&
  (!filter?.streamPrefixes || filter.streamPrefixes.some((prefix) => event.streamId.startsWith(prefix)));

/** For unit tests only: one process, no durability. Same semantics as the real adapters. */
export const createInMemoryEventStore = (nowMs: () => number = () => Date.now()): EventStore => {
  const all: RecordedEvent[] = [];
  const streams = new Map<string, RecordedEvent[]>();
  const waiters = new Set<() => void>();

  const appendToStream = async (streamId: string, events: readonly EventData[], options: { readonly expectedRevision: ExpectedRevision }): Promise<AppendResult> => {
    const stream = streams.get(streamId) ?? [];
    const actual = stream.length === 0 ? 'no_stream' : BigInt(stream.length - 1);
    const { expectedRevision } = options;
    const startRevision = expectedRevision === 'any' ? BigInt(stream.length) : expectedRevision === 'no_stream' ? 0n : expectedRevision + 1n;
    // A retry of events already written at exactly this place is a success that writes nothing.
    const first = events[0];
    const already = first ? stream[Number(startRevision)] : undefined;
    if (first && already && already.id === first.id && events.every((e, i) => stream[Number(startRevision) + i]?.id === e.id)) {
      const last = stream[Number(startRevision) + events.length - 1]!;
      return { kind: 'Appended', nextRevision: last.revision, position: last.position };
    }
    if (expectedRevision !== 'any' && expectedRevision !== (actual === 'no_stream' ? 'no_stream' : actual)) {
      return { kind: 'RevisionConflict', streamId, expected: expectedRevision, actual };
    }
    for (const event of events) {
      const recorded: RecordedEvent = {
        id: event.id, streamId, revision: BigInt(stream.length), position: BigInt(all.length + 1),
        type: event.type, data: structuredClone(event.data), metadata: event.metadata ?? {}, createdAtMs: nowMs(),
      };
      stream.push(recorded);
      all.push(recorded);
    }
    streams.set(streamId, stream);
    for (const wake of waiters) wake();
    const last = stream[stream.length - 1];
    return { kind: 'Appended', nextRevision: last ? last.revision : -1n, position: last ? last.position : BigInt(all.length) };
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
    headPosition: async () => BigInt(all.length),
    close: async () => { for (const wake of waiters) wake(); },
  };
};
