import * as E from 'fp-ts/Either';
import { decide, decodeAccountEvent, evolve, initialState, type AccountCommand, type AccountEvent, type AccountState, type DomainError } from '../../domain/account';
import type { EventMetadata, EventStore } from '../../infrastructure/event-store/port';
import type { Metrics } from '../../infrastructure/metrics';
import { handleCommand, type CommandOutcome, type ConcurrencyExhausted } from '../command-handler';
import type { Decider, EventCodec } from '../decider';
import { loadStream } from '../stream-loader';

/** Bump when AccountState's shape changes: older snapshots are then ignored and the stream is folded from the start. */
export const ACCOUNT_STATE_VERSION = 1;

export const accountStreamOf = (accountId: string): string => `account-${accountId}`;

const accountDecider: Decider<AccountCommand, AccountState, AccountEvent, DomainError> = { initialState, evolve, decide };

const accountCodec: EventCodec<AccountEvent> = {
  encode: (event) => ({ type: event.type, data: event.data }),
  decode: decodeAccountEvent,
};

export type AccountCommandContext = {
  /** What makes this command's event ids deterministic: the idempotency-derived id, an ExecID, a job run. */
  readonly eventIdSource: string;
  readonly metadata: EventMetadata;
  readonly metrics?: Metrics;
};

export type AccountOutcome = CommandOutcome<AccountState, AccountEvent>;

/** One command against the account stream `account-<accountId>`: the whole consistency boundary of trading. */
export const executeAccountCommand = (
  store: EventStore, accountId: string, command: AccountCommand, context: AccountCommandContext,
): Promise<E.Either<DomainError | ConcurrencyExhausted, AccountOutcome>> =>
  handleCommand(store, accountDecider, accountCodec, command, {
    streamId: accountStreamOf(accountId),
    eventIdSource: context.eventIdSource,
    metadata: context.metadata,
    stateVersion: ACCOUNT_STATE_VERSION,
    hooks: {
      onConflictRetry: () => context.metrics?.conflictRetries.inc({ command: command.type }),
      onAppendMs: (durationMs) => context.metrics?.appendLatency.observe({ outcome: 'appended' }, durationMs / 1000),
    },
  });

/** The account as the write model holds it now (snapshot plus tail). */
export const loadAccount = async (store: EventStore, accountId: string): Promise<AccountState> =>
  (await loadStream(store, accountStreamOf(accountId), accountDecider, accountCodec, ACCOUNT_STATE_VERSION)).state;
