import { findUnstorableText } from '../text/storable-text';
import type { EventData } from './port';

/**
 * An append PostgreSQL would refuse (NUL or a lone surrogate anywhere in an event, one event id twice).
 * A bug of the caller, not a business outcome: the HTTP edge refuses such text long before it gets here.
 */
export class UnstorableEventError extends Error {
  override readonly name = 'UnstorableEventError';
}

/**
 * Throws UnstorableEventError for what PostgreSQL refuses, so the adapters that would store it
 * (in-memory, EventStoreDB) refuse it too and every adapter takes the same paths.
 */
export const assertStorableEvents = (streamId: string, events: readonly EventData[]): void => {
  const ids = new Set<string>();
  for (const [index, event] of events.entries()) {
    if (ids.has(event.id)) throw new UnstorableEventError(`${streamId}: event id ${event.id} appears twice in one append`);
    ids.add(event.id);
    const where = findUnstorableText({ id: event.id, type: event.type, data: event.data, metadata: event.metadata ?? {} });
    if (where !== undefined) throw new UnstorableEventError(`${streamId}: event ${index} holds NUL or an unpaired surrogate at ${where}`);
  }
};
