import * as E from 'fp-ts/Either';
import { decodeAccountEvent, evolve, initialState, type AccountState } from '../../domain/account';
import { invariant } from '../../domain/invariant';
import type { EventStore, RecordedEvent } from '../../infrastructure/event-store/port';

/** Accounts whose state the publisher keeps; past this the least recently used is dropped (and read again when needed). */
export const ACCOUNT_STATES_MAX = 20_000;

type Kept = { readonly state: AccountState; readonly revision: bigint };

/**
 * The account's state right after one of its events, folded with the account decider's own `evolve`:
 * what an order update says (status after a replace, average fill price) is then what the write model
 * says at that event. The publisher sees only order events, so the state is kept per account and the
 * events in between are read from the stream; in steady state that is one short read per update.
 */
export const createAccountStates = (store: EventStore, accountsMax = ACCOUNT_STATES_MAX) => {
  const kept = new Map<string, Kept>();

  const keep = (streamId: string, entry: Kept): void => {
    kept.delete(streamId);
    kept.set(streamId, entry);
    if (kept.size > accountsMax) kept.delete(kept.keys().next().value as string);
  };

  return {
    after: async (recorded: RecordedEvent): Promise<AccountState> => {
      const known = kept.get(recorded.streamId);
      // A state at or past this event cannot be wound back: fold from the start (a replay, or a restart).
      let { state, revision } = known !== undefined && known.revision < recorded.revision ? known : { state: initialState, revision: -1n };
      if (revision < recorded.revision - 1n) {
        const missing = Number(recorded.revision - revision - 1n);
        for await (const event of store.readStream(recorded.streamId, { fromRevision: revision + 1n, maxCount: missing })) {
          const decoded = decodeAccountEvent(event.type, event.data);
          invariant(E.isRight(decoded), `event ${event.id} at ${event.streamId}@${event.revision} fails its codec`);
          state = evolve(state, decoded.right);
          revision = event.revision;
        }
      }
      invariant(revision === recorded.revision - 1n, `${recorded.streamId}: read up to ${revision}, expected ${recorded.revision - 1n}`);
      const decoded = decodeAccountEvent(recorded.type, recorded.data);
      invariant(E.isRight(decoded), `event ${recorded.id} at ${recorded.streamId}@${recorded.revision} fails its codec`);
      state = evolve(state, decoded.right);
      keep(recorded.streamId, { state, revision: recorded.revision });
      return state;
    },
  };
};
