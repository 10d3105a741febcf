import {
  BACKWARDS, END, EventStoreDBClient, FORWARDS, START, StreamNotFoundError, WrongExpectedVersionError,
  eventTypeFilter, excludeSystemEvents, jsonEvent, streamNameFilter,
  type AllStreamRecordedEvent, type Filter, type JSONType, type Position,
} from '@eventstore/db-client';
import { assertStorableEvents } from './storable-events';
import { conflictTailRange, type AllFilter, type AppendResult, type EventData, type EventMetadata, type EventStore, type HeadPosition, type ExpectedRevision, type ReadAllOptions, type ReadStreamOptions, type RecordedEvent, type SubscribeOptions } from './port';

/** Events per read request when paging $all or a stream. */
export const ESDB_READ_PAGE_SIZE = 512;
/** Records read backwards past system events while looking for the head; beyond that we report 0n. */
export const ESDB_HEAD_SCAN_MAX = 10_000;

type EsdbRecorded = { id: string; streamId: string; revision: bigint; type: string; data: unknown; metadata: unknown; created: Date; position?: Position };

const isSystem = (recorded: { streamId: string; type: string }) => recorded.streamId.startsWith('$') || recorded.type.startsWith('$');

const matches = (recorded: { streamId: string; type: string }, filter: AllFilter | undefined): boolean =>
  !isSystem(recorded) &&
  (!filter?.eventTypes || filter.eventTypes.includes(recorded.type)) &&
  (!filter?.streamPrefixes || filter.streamPrefixes.some((prefix) => recorded.streamId.startsWith(prefix)));

const toRecorded = (event: EsdbRecorded, commitPosition: bigint | undefined): RecordedEvent => ({
  id: event.id, streamId: event.streamId, revision: event.revision,
  // EventStoreDB's commit position: not dense, strictly increasing in $all order.
  position: event.position?.commit ?? commitPosition ?? -1n,
  type: event.type, data: event.data, metadata: (event.metadata ?? {}) as EventMetadata, createdAtMs: event.created.getTime(),
});

/** A commit position as EventStoreDB wants it; for its own events prepare equals commit. */
const asPosition = (position: bigint): Position => ({ commit: position, prepare: position });

/** The server narrows with one filter; `matches` applies the rest of ours on the client. */
const serverFilter = (filter: AllFilter | undefined): Filter =>
  filter?.eventTypes ? eventTypeFilter({ prefixes: [...filter.eventTypes] })
    : filter?.streamPrefixes ? streamNameFilter({ prefixes: [...filter.streamPrefixes] })
      : excludeSystemEvents();

/** The client reads its options case-insensitively from the query; its parser is not public, so we look ourselves. */
const hidesAppendFailures = (connectionString: string): boolean => {
  const query = connectionString.split('?')[1] ?? '';
  return query.split('&').some((pair) => {
    const [key = '', value = ''] = pair.split('=');
    return key.trim().toLowerCase() === 'throwonappendfailure' && value.trim().toLowerCase() === 'false';
  });
};

/** A connection string this adapter cannot run with. */
export class EventStoreDbConfigError extends Error {
  override readonly name = 'EventStoreDbConfigError';
}

/**
 * The production store. Same port, same contract as the PostgreSQL adapter (runs when EVENTSTORE_URL is set).
 * Refuses `throwOnAppendFailure=false`: the client would then answer a revision conflict with a result,
 * not an error, and although `success` is checked below, the option says the caller wants failures
 * hidden, which a store of record must not.
 */
export const createEventStoreDbEventStore = (options: { readonly connectionString: string }): EventStore => {
  if (hidesAppendFailures(options.connectionString)) {
    throw new EventStoreDbConfigError('EVENTSTORE_URL sets throwOnAppendFailure=false: remove it, a failed append must never look like a success');
  }
  const client = EventStoreDBClient.connectionString(options.connectionString);

  // EventStoreDB answers a conflict without events: the tail is read here, so callers see one contract.
  const conflict = async (streamId: string, expected: ExpectedRevision, actual: bigint | 'no_stream'): Promise<AppendResult> => {
    const range = conflictTailRange(expected, actual);
    if (range === undefined) return { kind: 'RevisionConflict', streamId, expected, actual };
    const tail: RecordedEvent[] = [];
    for await (const recorded of readStream(streamId, { fromRevision: range.fromRevision, maxCount: range.count })) tail.push(recorded);
    return { kind: 'RevisionConflict', streamId, expected, actual, tail };
  };

  const appendToStream = async (streamId: string, events: readonly EventData[], appendOptions: { readonly expectedRevision: ExpectedRevision }): Promise<AppendResult> => {
    const expected = appendOptions.expectedRevision;
    assertStorableEvents(streamId, events);
    try {
      const result = await client.appendToStream(
        streamId,
        events.map((event) => jsonEvent({ id: event.id, type: event.type, data: event.data as JSONType, metadata: (event.metadata ?? {}) as JSONType })),
        { expectedRevision: expected },
      );
      // Only reached without throwOnAppendFailure (refused above), but a result that did not write must
      // never become a 201: a failed append is the conflict it stands for.
      if (!result.success) {
        const actual = result.nextExpectedRevision;
        return conflict(streamId, expected, actual < 0n ? 'no_stream' : actual);
      }
      if (result.position === undefined) throw new Error(`EventStoreDB appended to ${streamId} without a position (server older than 20.x?)`);
      return { kind: 'Appended', nextRevision: result.nextExpectedRevision, position: result.position.commit };
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) {
        const actual = error.actualVersion;
        return conflict(streamId, expected, typeof actual === 'bigint' ? actual : 'no_stream');
      }
      throw error;
    }
  };

  async function* readStream(streamId: string, readOptions: ReadStreamOptions = {}): AsyncIterable<RecordedEvent> {
    const backwards = readOptions.direction === 'backwards';
    let next: bigint | typeof END | undefined = readOptions.fromRevision ?? (backwards ? END : 0n);
    let remaining = readOptions.maxCount ?? Number.POSITIVE_INFINITY;
    while (remaining > 0 && next !== undefined) {
      const pageSize = Math.min(ESDB_READ_PAGE_SIZE, remaining);
      let count = 0;
      try {
        for await (const resolved of client.readStream(streamId, { fromRevision: next, maxCount: pageSize, direction: backwards ? BACKWARDS : FORWARDS })) {
          if (!resolved.event) continue;
          count += 1;
          next = backwards ? (resolved.event.revision === 0n ? undefined : resolved.event.revision - 1n) : resolved.event.revision + 1n;
          yield toRecorded(resolved.event as EsdbRecorded, resolved.commitPosition);
        }
      } catch (error) {
        if (error instanceof StreamNotFoundError) return;
        throw error;
      }
      remaining -= count;
      if (count < pageSize) return;
    }
  }

  async function* readAll(readOptions: ReadAllOptions = {}): AsyncIterable<RecordedEvent> {
    let from = readOptions.fromPosition ?? 0n;
    let remaining = readOptions.maxCount ?? Number.POSITIVE_INFINITY;
    while (remaining > 0) {
      let scanned = 0;
      // EventStoreDB reads $all inclusively from a position; the port's fromPosition is exclusive.
      for await (const resolved of client.readAll({ fromPosition: from === 0n ? START : asPosition(from), maxCount: ESDB_READ_PAGE_SIZE, direction: FORWARDS })) {
        scanned += 1;
        const event = resolved.event as AllStreamRecordedEvent | undefined;
        if (!event || event.position.commit <= from) continue;
        from = event.position.commit;
        if (!matches(event, readOptions.filter)) continue;
        yield toRecorded(event as EsdbRecorded, resolved.commitPosition);
        remaining -= 1;
        if (remaining <= 0) return;
      }
      if (scanned < ESDB_READ_PAGE_SIZE) return;
    }
  }

  async function* subscribeToAll(subscribeOptions: SubscribeOptions = {}): AsyncIterable<RecordedEvent> {
    const { fromPosition, filter, signal } = subscribeOptions;
    const subscription = client.subscribeToAll({
      fromPosition: fromPosition === undefined || fromPosition === 0n ? START : asPosition(fromPosition),
      filter: serverFilter(filter),
    });
    const stop = () => { void subscription.unsubscribe(); };
    signal?.addEventListener('abort', stop, { once: true });
    try {
      for await (const resolved of subscription) {
        const event = resolved.event as AllStreamRecordedEvent | undefined;
        if (!event || !matches(event, filter)) continue;
        if (fromPosition !== undefined && event.position.commit <= fromPosition) continue;
        yield toRecorded(event as EsdbRecorded, resolved.commitPosition);
        if (signal?.aborted) return;
      }
    } finally {
      signal?.removeEventListener('abort', stop);
      await subscription.unsubscribe();
    }
  }

  // EventStoreDB orders $all by commit, so its last event covers everything committed before the call.
  const headPosition = async (): Promise<HeadPosition> => {
    let scanned = 0;
    for await (const resolved of client.readAll({ fromPosition: END, direction: BACKWARDS, maxCount: ESDB_HEAD_SCAN_MAX })) {
      scanned += 1;
      const event = resolved.event as AllStreamRecordedEvent | undefined;
      if (event && !isSystem(event)) return { position: event.position.commit, mayBeBehind: false };
      if (scanned >= ESDB_HEAD_SCAN_MAX) break;
    }
    // Nothing but system events within the scan: a head of 0n reads them all again, which is safe.
    return { position: 0n, mayBeBehind: scanned >= ESDB_HEAD_SCAN_MAX };
  };

  return { appendToStream, readStream, readAll, subscribeToAll, headPosition, close: () => client.dispose() };
};
