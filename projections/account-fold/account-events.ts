import * as E from 'fp-ts/Either';
import { decodeAccountEvent, type AccountEvent } from '../../domain/account';
import { invariant } from '../../domain/invariant';
import type { RecordedEvent } from '../../infrastructure/event-store/port';

/** `account-<uuid>` only: the snapshot streams `account-<uuid>-snapshot` hold states, not facts. */
const ACCOUNT_STREAM_PATTERN = /^account-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

export const accountIdOfStream = (streamId: string): string | null => ACCOUNT_STREAM_PATTERN.exec(streamId)?.[1] ?? null;

/** A recorded account event, decoded (and upcast) by the account stream's own codecs. */
export type AccountFact = { readonly accountId: string; readonly recorded: RecordedEvent; readonly event: AccountEvent };

/** The batch's account events in global order. An event its codec refuses is a broken stream: a bug, thrown. */
export const accountFacts = (events: readonly RecordedEvent[]): AccountFact[] => {
  const facts: AccountFact[] = [];
  for (const recorded of events) {
    const accountId = accountIdOfStream(recorded.streamId);
    if (accountId === null) continue;
    const decoded = decodeAccountEvent(recorded.type, recorded.data);
    invariant(E.isRight(decoded), `event ${recorded.id} at ${recorded.streamId}@${recorded.revision} fails its codec`);
    facts.push({ accountId, recorded, event: decoded.right });
  }
  return facts;
};
