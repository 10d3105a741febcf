import * as E from 'fp-ts/Either';
import { AccountStateCodec, decide, decodeAccountEvent, DomainErrorCode, evolve, initialState, type AccountCommand, type AccountEvent, type AccountState, type DomainError } from '../../domain/account';
import type { EventMetadata, EventStore, RecordedEvent } from '../../infrastructure/event-store/port';
import type { Logger } from '../../infrastructure/logging';
import type { Metrics } from '../../infrastructure/metrics';
import { handleCommand, type CommandOutcome, type ConcurrencyExhausted, type HandleOptions } from '../command-handler';
import type { Decider, EventCodec } from '../decider';
import { KeyedSerializer } from '../keyed-serializer';
import { StreamStateCache } from '../state-cache';
import { loadStream, type SnapshotIgnored } from '../stream-loader';

/** Bump when AccountState's shape changes: older snapshots are then ignored and the stream is folded from the start. */
export const ACCOUNT_STATE_VERSION = 2;

export const accountStreamOf = (accountId: string): string => `account-${accountId}`;

const accountDecider: Decider<AccountCommand, AccountState, AccountEvent, DomainError> = { initialState, evolve, decide, stateCodec: AccountStateCodec };

const accountCodec: EventCodec<AccountEvent> = {
  encode: (event) => ({ type: event.type, data: event.data }),
  decode: decodeAccountEvent,
};

export type AccountCommandContext = {
  /** What makes this command's event ids deterministic: the idempotency-derived id, an ExecID, a job run. */
  readonly eventIdSource: string;
  readonly metadata: EventMetadata;
};

export type AccountOutcome = CommandOutcome<AccountState, AccountEvent>;

/** The account streams `account-<accountId>`: the whole consistency boundary of trading. */
export type Accounts = {
  execute(accountId: string, command: AccountCommand, context: AccountCommandContext): Promise<E.Either<DomainError | ConcurrencyExhausted, AccountOutcome>>;
  /**
   * Like execute, for a caller whose command depends on the account (a venue's report reads differently
   * for an order pending cancel): `choose` picks it from the very state it is decided on, on every round
   * (a cached state, then a fresh read after a conflict), so no separate read goes before it. `null`:
   * nothing to do.
   */
  executeChosen(accountId: string, choose: (state: AccountState) => AccountCommand | null, context: AccountCommandContext): Promise<E.Either<DomainError | ConcurrencyExhausted, AccountOutcome>>;
  /** The account as the write model holds it now. */
  load(accountId: string): Promise<AccountState>;
  /**
   * The account, for a subscriber handed one of its events: when this process's cached state is the one
   * just before that event, the event is folded in; when the cached state already holds it (this process
   * wrote after it, or read past it), that state is used as it is. Either way nothing is read (the stream
   * may have moved on since; a command decided on it then conflicts and is decided again on a fresh read).
   * Otherwise load().
   */
  loadSeeing(accountId: string, recorded: RecordedEvent): Promise<AccountState>;
};

type ChosenCall = {
  readonly choose: (state: AccountState) => AccountCommand | null;
  readonly context: AccountCommandContext;
  readonly resolve: (outcome: E.Either<DomainError | ConcurrencyExhausted, AccountOutcome>) => void;
  readonly reject: (error: unknown) => void;
};

/** One per process: it owns the cache of recently used account states. */
export const createAccounts = (
  store: EventStore, options: { readonly metrics?: Metrics; readonly logger?: Logger; readonly cache?: StreamStateCache<AccountState> } = {},
): Accounts => {
  const cache = options.cache ?? new StreamStateCache<AccountState>();
  // Loud, because it means stored data was damaged or written by a bug; the account is still served, from its events.
  const onSnapshotIgnored = (streamId: string, ignored: SnapshotIgnored) => options.logger?.error({ streamId, ...ignored }, 'snapshot ignored: it does not decode; state rebuilt from the events');
  const serializer = new KeyedSerializer();
  const load = async (accountId: string): Promise<AccountState> =>
    (await loadStream(store, accountStreamOf(accountId), accountDecider, accountCodec, ACCOUNT_STATE_VERSION, cache, onSnapshotIgnored)).state;
  const run = <C>(accountId: string, decider: Decider<C, AccountState, AccountEvent, DomainError>, command: C, commandType: string, context: AccountCommandContext, eventOrigin?: HandleOptions['eventOrigin']) => handleCommand(store, decider, accountCodec, command, {
      streamId: accountStreamOf(accountId),
      eventIdSource: context.eventIdSource,
      metadata: context.metadata,
      ...(eventOrigin ? { eventOrigin } : {}),
      stateVersion: ACCOUNT_STATE_VERSION,
      cache: cache as StreamStateCache<unknown>,
      hooks: {
        onConflictRetry: () => options.metrics?.conflictRetries.inc({ command: commandType }),
        onAppend: (durationMs, outcome) => options.metrics?.appendLatency.observe({ outcome }, durationMs / 1000),
        onSnapshotFailed: (streamId, error) => options.logger?.warn({ err: error, streamId }, 'snapshot not written; the command stands'),
        onSnapshotIgnored,
      },
    });
  const gathering = new Map<string, ChosenCall[]>();
  /** Decides the calls one after another on the state each leaves, and appends all their events at once. Settles every call; never throws. */
  const runChosen = async (accountId: string, calls: readonly ChosenCall[]): Promise<void> => {
    let decided: { readonly events: readonly AccountEvent[]; readonly refusal: DomainError | null; readonly state: AccountState }[] = [];
    let origins: { readonly eventIdSource: string; readonly index: number; readonly metadata: EventMetadata }[] = [];
    const together: Decider<null, AccountState, AccountEvent, DomainError> = {
      ...accountDecider,
      // Run again on every round of the handler (a fresh read after a conflict), so the answers are those of the last round.
      decide: (_none, state) => {
        decided = [];
        origins = [];
        let now = state;
        const all: AccountEvent[] = [];
        for (const call of calls) {
          const command = call.choose(now);
          const decision = command === null ? E.right([]) : decide(command, now);
          if (E.isLeft(decision)) { decided.push({ events: [], refusal: decision.left, state: now }); continue; }
          decision.right.forEach((_event, index) => origins.push({ eventIdSource: call.context.eventIdSource, index, metadata: call.context.metadata }));
          now = decision.right.reduce(evolve, now);
          all.push(...decision.right);
          decided.push({ events: decision.right, refusal: null, state: now });
        }
        // One call alone keeps its refusal a refusal (decided again on a fresh read when it came from the cache).
        const only = decided.length === 1 ? decided[0]! : undefined;
        return only?.refusal != null ? E.left(only.refusal) : E.right(all);
      },
    };
    try {
      const context = { eventIdSource: calls.map((c) => c.context.eventIdSource).join('+'), metadata: calls[0]!.context.metadata };
      const outcome = await run(accountId, together, null, 'chosen', context, (index) => origins[index]!);
      calls.forEach((call, index) => {
        const mine = decided[index]!;
        if (E.isLeft(outcome)) call.resolve(outcome);
        else call.resolve(mine.refusal !== null ? E.left(mine.refusal) : E.right({ events: mine.events, state: mine.state, position: outcome.right.position }));
      });
    } catch (error) {
      for (const call of calls) call.reject(error);
    }
  };
  return {
    // One account's commands in this process take turns, deciding on the state the previous one left.
    execute: async (accountId, command, context) => {
      const outcome = await serializer.run(accountId, () => run(accountId, accountDecider, command, command.type, context));
      return outcome.kind === 'ran' ? outcome.value : E.left({ code: DomainErrorCode.RateLimitExceeded, message: 'too many commands in flight for this account; retry shortly' });
    },
    // Calls for one account that arrive in the same turn of the event loop (a venue's acknowledgement and
    // fill, read from one TCP chunk), or while it is busy, wait together, and their turn books them all in
    // one decision and one append. The turn is asked for after the current I/O is handled, so those of
    // the same chunk are all in.
    executeChosen: (accountId, choose, context) => new Promise((resolve, reject) => {
      const gathered = gathering.get(accountId);
      if (gathered !== undefined) { gathered.push({ choose, context, resolve, reject }); return; }
      gathering.set(accountId, [{ choose, context, resolve, reject }]);
      const takeGathered = () => { const calls = gathering.get(accountId) ?? []; gathering.delete(accountId); return calls; };
      setImmediate(() => {
        void serializer.run(accountId, () => runChosen(accountId, takeGathered())).then((outcome) => {
          if (outcome.kind === 'ran') return;
          for (const call of takeGathered()) call.resolve(E.left({ code: DomainErrorCode.RateLimitExceeded, message: 'too many commands in flight for this account; retry shortly' }));
        });
      });
    }),
    load,
    loadSeeing: async (accountId, recorded) => {
      const streamId = accountStreamOf(accountId);
      const cached = cache.get(streamId);
      // The event is in the cached state already: reading the tail would bring only what came after it.
      if (cached !== undefined && cached.revision >= recorded.revision) return cached.state;
      const decoded = cached?.revision === recorded.revision - 1n ? accountCodec.decode(recorded.type, recorded.data) : undefined;
      if (cached === undefined || decoded === undefined || E.isLeft(decoded)) return load(accountId);
      const state = evolve(cached.state, decoded.right);
      cache.set(streamId, { state, revision: recorded.revision, eventsSinceSnapshot: cached.eventsSinceSnapshot + 1 });
      return state;
    },
  };
};

/** Without a cache: for scripts and jobs that touch an account once. */
export const executeAccountCommand = (store: EventStore, accountId: string, command: AccountCommand, context: AccountCommandContext) =>
  createAccounts(store, { cache: new StreamStateCache<AccountState>(1) }).execute(accountId, command, context);
