import { cashBuckets, evolve, initialState, isTerminal, orderView, positions, type AccountState, type CashBuckets } from '../../domain/account';
import type { EventStore, RecordedEvent } from '../../infrastructure/event-store/port';
import { accountFacts } from '../account-fold/account-events';

/** Events of one account replayed at most (a longer history needs a paged replay, not one answer). */
export const REPLAY_EVENTS_MAX = 100_000;

export type AccountSummary = {
  readonly cash: CashBuckets | null;
  readonly positions: ReadonlyArray<{ readonly symbol: string; readonly quantity: string; readonly costBasis: string; readonly avgCost: string; readonly realizedPnl: string }>;
  readonly openOrders: ReadonlyArray<{ readonly orderId: string; readonly symbol: string; readonly side: string; readonly type: string; readonly status: string; readonly quantity: string; readonly filledQuantity: string }>;
};

export type ReplayStep = {
  readonly position: string;
  readonly revision: string;
  readonly type: string;
  readonly recordedAt: string;
  readonly actor: string | null;
  readonly correlationId: string | null;
  readonly causationId: string | null;
  readonly data: unknown;
  readonly after: AccountSummary;
};

export type AccountReplay = {
  readonly accountId: string;
  /** ISO instant the final state is as of (the request's as_of, or the last event's record time). */
  readonly asOf: string | null;
  readonly steps: readonly ReplayStep[];
  readonly stateAsOf: AccountSummary;
};

/** What compliance sees of a state: cash buckets, positions and open orders, all decimal strings. */
export const summarize = (state: AccountState): AccountSummary => ({
  cash: cashBuckets(state),
  positions: positions(state).map((p) => ({ symbol: p.symbol, quantity: p.quantity, costBasis: p.costBasis, avgCost: p.avgCost, realizedPnl: p.realizedPnl })),
  openOrders: state.status !== 'open' ? [] : Object.values(state.orders).filter((o) => !isTerminal(o.status)).map((o) => {
    const view = orderView(state, o.orderId)!;
    return { orderId: view.orderId, symbol: view.symbol, side: view.side, type: view.type, status: view.status, quantity: view.quantity, filledQuantity: view.filledQuantity };
  }),
});

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/**
 * Folds the account decider's own `evolve` over the account's recorded events, up to and including the
 * last one recorded at or before `asOfMs` (all of them without it): each event with the state after it,
 * then the state as of that instant. Instants are record times: what the books showed then.
 */
export const replayEvents = (accountId: string, recorded: readonly RecordedEvent[], asOfMs?: number): AccountReplay => {
  let state: AccountState = initialState;
  const steps: ReplayStep[] = [];
  // A prefix of the stream, never a subset: a state is only ever the fold of a whole beginning of history.
  const cut = asOfMs === undefined ? -1 : recorded.findIndex((event) => event.createdAtMs > asOfMs);
  const upTo = cut === -1 ? recorded : recorded.slice(0, cut);
  for (const fact of accountFacts(upTo)) {
    state = evolve(state, fact.event);
    steps.push({
      position: fact.recorded.position.toString(), revision: fact.recorded.revision.toString(), type: fact.event.type,
      recordedAt: new Date(fact.recorded.createdAtMs).toISOString(), actor: text(fact.recorded.metadata.actor),
      correlationId: text(fact.recorded.metadata.correlationId), causationId: text(fact.recorded.metadata.causationId),
      data: fact.event.data, after: summarize(state),
    });
  }
  const last = upTo[upTo.length - 1];
  return {
    accountId, steps, stateAsOf: summarize(state),
    asOf: asOfMs !== undefined ? new Date(asOfMs).toISOString() : last === undefined ? null : new Date(last.createdAtMs).toISOString(),
  };
};

/** Reads `account-<accountId>` whole (bounded) and replays it. */
export const replayAccount = async (store: EventStore, accountId: string, asOfMs?: number): Promise<AccountReplay> => {
  const recorded: RecordedEvent[] = [];
  for await (const event of store.readStream(`account-${accountId}`, { maxCount: REPLAY_EVENTS_MAX })) {
    if (asOfMs !== undefined && event.createdAtMs > asOfMs) break;
    recorded.push(event);
  }
  return replayEvents(accountId, recorded, asOfMs);
};
