import Big from 'big.js';
import { createAccounts } from '../../commands/accounts/account-stream';
import { isTerminal } from '../../domain/account';
import { orderReservedCash, orderReservedShares, unsettledTotal } from '../../domain/account/buying-power';
import type { TradingHarness } from './trading-harness';

// Our own Big constructor: the global Big.DP / Big.RM stay untouched.
const Dec = Big();
const dec = (value: Big.BigSource): Big => new Dec(value);

/** A failure bound, not a pace: each portfolio request itself waits for the read side (READ_CONSISTENCY_WAIT_MS). */
const READ_SIDE_WAIT_MS_MAX = 180_000;

type Fill = { orderId: string; execId: string; symbol: string; side: 'buy' | 'sell'; quantity: string; cash: string };

/** Cash and shares as a pure fold of the fills alone: what the ledger must hold after `depositedCash` went in. */
export const foldFills = (depositedCash: string, fills: readonly Fill[]) => {
  let cash = dec(depositedCash);
  const shares = new Map<string, Big>();
  for (const f of fills) {
    cash = f.side === 'buy' ? cash.minus(f.cash) : cash.plus(f.cash);
    const held = shares.get(f.symbol) ?? dec(0);
    shares.set(f.symbol, f.side === 'buy' ? held.plus(f.quantity) : held.minus(f.quantity));
  }
  return { cash, shares };
};

const positionsOf = (entries: Iterable<[string, Big.BigSource]>): Record<string, string> =>
  Object.fromEntries([...entries].filter(([, q]) => !dec(q).eq(0)).map(([symbol, q]): [string, string] => [symbol, dec(q).toFixed(6)]).sort(([a], [b]) => (a < b ? -1 : 1)));

/**
 * Everything that must agree for one account once its orders have stopped moving, as a list of what does not
 * (empty when all is well, so a failure names each broken fact): no ExecID booked twice; cash (settled plus
 * unsettled proceeds) and every position in the account state equal a fold of its fills; every terminal
 * order's reserve (cash, shares, replace holds) fully released; and, with read models, the portfolio the
 * read side serves says the same as the state.
 */
export const ledgerMismatches = async (h: TradingHarness, user: { accountId: string; token: string }, depositedCash: string): Promise<string[]> => {
  const problems: string[] = [];
  const fills: Fill[] = [];
  const execIds = new Set<string>();
  let lastPosition = 0n;
  for await (const e of h.store.readStream(`account-${user.accountId}`)) {
    lastPosition = e.position;
    if (e.type !== 'OrderFilled') continue;
    const fill = e.data as Fill;
    if (execIds.has(`${fill.orderId}/${fill.execId}`)) problems.push(`ExecID ${fill.execId} booked twice on ${fill.orderId}`);
    execIds.add(`${fill.orderId}/${fill.execId}`);
    fills.push(fill);
  }
  const folded = foldFills(depositedCash, fills);
  const state = await createAccounts(h.store).load(user.accountId);
  if (state.status !== 'open') return [`account ${user.accountId} is not open`];
  const cash = dec(state.settledCash).plus(unsettledTotal(state));
  if (!cash.eq(folded.cash)) problems.push(`cash ${cash.toFixed(2)} ≠ fold of fills ${folded.cash.toFixed(2)}`);
  const statePositions = positionsOf(Object.values(state.positions).map((p) => [p.symbol, p.quantity]));
  const foldPositions = positionsOf(folded.shares);
  if (JSON.stringify(statePositions) !== JSON.stringify(foldPositions)) problems.push(`positions ${JSON.stringify(statePositions)} ≠ fold of fills ${JSON.stringify(foldPositions)}`);
  for (const order of Object.values(state.orders)) {
    if (!isTerminal(order.status)) continue;
    if (!orderReservedCash(order).eq(0) || !orderReservedShares(order).eq(0)) {
      problems.push(`${order.status} order ${order.orderId} still reserves ${orderReservedCash(order).toFixed(2)} cash, ${orderReservedShares(order).toFixed(6)} shares`);
    }
  }
  if (h.readDb !== undefined) {
    // The account's own last event, not the store's head: on a shared server a transaction open in another
    // database holds the head (and the read side's subscription) back, so "caught up with the head" could
    // mean before this account's fills. Waits for the read side to reach it; the bound only names a hang.
    const deadline = Date.now() + READ_SIDE_WAIT_MS_MAX;
    let portfolio = await h.request('GET', '/v1/portfolio', { token: user.token, headers: { 'X-Consistency-Position': lastPosition.toString() } });
    while (portfolio.headers.get('x-consistency-stale') === 'true' && Date.now() < deadline) {
      portfolio = await h.request('GET', '/v1/portfolio', { token: user.token, headers: { 'X-Consistency-Position': lastPosition.toString() } });
    }
    const read = portfolio.body as { cash: { settled: string; unsettled: string }; positions: { symbol: string; quantity: string }[] };
    if (portfolio.headers.get('x-consistency-stale') === 'true') problems.push(`the read side did not reach the account's last event (position ${lastPosition}) in ${READ_SIDE_WAIT_MS_MAX} ms`);
    const readCash = dec(read.cash.settled).plus(read.cash.unsettled);
    if (!readCash.eq(folded.cash)) problems.push(`portfolio cash ${readCash.toFixed(2)} ≠ fold of fills ${folded.cash.toFixed(2)}`);
    const readPositions = positionsOf(read.positions.map((p) => [p.symbol, p.quantity]));
    if (JSON.stringify(readPositions) !== JSON.stringify(foldPositions)) problems.push(`portfolio positions ${JSON.stringify(readPositions)} ≠ fold of fills ${JSON.stringify(foldPositions)}`);
  }
  return problems;
};
