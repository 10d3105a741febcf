import type { Bus } from '../../infrastructure/bus/port';
import type { AllFilter, EventStore, RecordedEvent } from '../../infrastructure/event-store/port';
import { invariant } from '../../domain/invariant';
import { ACCOUNT_ID_PATTERN, ordersSubject } from '../../streaming/node/protocol';

/** One order message and the account whose sockets get it; the payload is what the client sees on `orders`. */
export type AddressedOrderUpdate = { readonly accountId: string; readonly payload: Readonly<Record<string, unknown>> };
/** Supplied by the domain: which events are order updates, for whom, and what the client sees. */
export type OrderUpdateMapper = (event: RecordedEvent) => AddressedOrderUpdate | undefined | Promise<AddressedOrderUpdate | undefined>;

const encoder = new TextEncoder();

/**
 * Publishes every mapped event of `events` to `orders.<accountId>`. No checkpoint:
 * socket notifications are live only, and a client that missed one reads the REST API.
 * Resolves when `events` ends (abort its subscription to stop).
 */
export const publishOrderUpdates = async (events: AsyncIterable<RecordedEvent>, mapper: OrderUpdateMapper, bus: Bus): Promise<number> => {
  let published = 0;
  for await (const event of events) {
    const update = await mapper(event);
    if (update === undefined) continue;
    invariant(ACCOUNT_ID_PATTERN.test(update.accountId), `order update mapper produced an account id unfit for a subject: ${update.accountId}`);
    bus.publish(ordersSubject(update.accountId), encoder.encode(JSON.stringify(update.payload)));
    published += 1;
  }
  return published;
};

/**
 * The live tail of the store: starts at the head, never replays history onto sockets. A head that may
 * be behind only replays the few updates committed just before we started: harmless for sockets.
 */
export const subscribeFromHead = async (store: EventStore, options: { readonly signal: AbortSignal; readonly filter?: AllFilter }): Promise<AsyncIterable<RecordedEvent>> =>
  store.subscribeToAll({ fromPosition: (await store.headPosition()).position, signal: options.signal, filter: options.filter });
