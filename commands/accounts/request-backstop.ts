import * as E from 'fp-ts/Either';
import { decodeAccountEvent, type AccountEvent } from '../../domain/account';
import { collect, type EventStore } from '../../infrastructure/event-store/port';
import { accountStreamOf } from './account-stream';

/**
 * How far back (events, newest first) a retry looks for the effect of its first attempt. A client retries
 * within minutes; an account writes far fewer events than this in that time.
 */
export const REQUEST_LOOKBACK_EVENTS_MAX = 5_000;

/** A request's event found in the stream, and the position of the request's newest event (what its first answer carried). */
export type RequestEvent = { readonly event: AccountEvent; readonly position: bigint };

/**
 * The event-store backstop of idempotency, for when the Redis record is gone (flushed, expired, failed
 * over): the account event that a request with this Idempotency-Key already wrote, if any. Events carry
 * the key in their metadata, so the newest event carrying it is the last the request wrote: its position
 * is the request's own, for the replay's answer.
 */
export const eventOfRequest = async (
  store: EventStore, accountId: string, idempotencyKey: string, matches: (event: AccountEvent) => boolean,
): Promise<RequestEvent | undefined> => {
  const recent = await collect(store.readStream(accountStreamOf(accountId), { direction: 'backwards', maxCount: REQUEST_LOOKBACK_EVENTS_MAX }));
  let newestOfRequest: bigint | undefined;
  for (const recorded of recent) {
    if (recorded.metadata.idempotencyKey !== idempotencyKey) continue;
    newestOfRequest ??= recorded.position;
    const decoded = decodeAccountEvent(recorded.type, recorded.data);
    if (E.isRight(decoded) && matches(decoded.right)) return { event: decoded.right, position: newestOfRequest };
  }
  return undefined;
};
