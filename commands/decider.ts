import type * as E from 'fp-ts/Either';
import type * as t from 'io-ts';

/** What the command handler needs of a pure aggregate: STYLE.md's decider, time and ids inside the command. */
export type Decider<Command, State, Event, Rejection> = {
  readonly initialState: State;
  readonly evolve: (state: State, event: Event) => State;
  readonly decide: (command: Command, state: State) => E.Either<Rejection, readonly Event[]>;
  /** Checks a state read back from a snapshot: stored data is decoded where it is read, never cast. */
  readonly stateCodec: t.Decoder<unknown, State>;
};

/** How an aggregate's events cross the event store boundary: validated on read, plain data on write. */
export type EventCodec<Event> = {
  readonly encode: (event: Event) => { readonly type: string; readonly data: unknown };
  readonly decode: (type: string, data: unknown) => E.Either<unknown, Event>;
};
