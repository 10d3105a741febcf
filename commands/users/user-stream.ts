import * as E from 'fp-ts/Either';
import { decideUser, decodeUserEvent, evolveUser, initialUserState, UserStateCodec, type UserCommand, type UserError, type UserEvent, type UserState } from '../../domain/user';
import type { EventMetadata, EventStore } from '../../infrastructure/event-store/port';
import { handleCommand, type CommandOutcome, type ConcurrencyExhausted } from '../command-handler';
import type { Decider, EventCodec } from '../decider';
import { loadStream } from '../stream-loader';
import { userStreamId } from './events';

/** Bump when UserState's shape changes (user streams are never snapshotted today: one event each). */
export const USER_STATE_VERSION = 3;

const userDecider: Decider<UserCommand, UserState, UserEvent, UserError> = {
  initialState: initialUserState, evolve: evolveUser, decide: decideUser, stateCodec: UserStateCodec,
};

const userCodec: EventCodec<UserEvent> = {
  encode: (event) => ({ type: event.type, data: event.data }),
  decode: decodeUserEvent,
};

/** The user streams `user-<sha256(email)>`, through the same command handler as accounts. */
export type Users = {
  execute(email: string, command: UserCommand, context: { readonly eventIdSource: string; readonly metadata: EventMetadata }):
    Promise<E.Either<UserError | ConcurrencyExhausted, CommandOutcome<UserState, UserEvent>>>;
  load(email: string): Promise<UserState>;
};

export const createUsers = (store: EventStore): Users => ({
  execute: (email, command, context) => handleCommand(store, userDecider, userCodec, command, {
    streamId: userStreamId(email), eventIdSource: context.eventIdSource, metadata: context.metadata, stateVersion: USER_STATE_VERSION,
  }),
  load: async (email) => (await loadStream(store, userStreamId(email), userDecider, userCodec, USER_STATE_VERSION)).state,
});
