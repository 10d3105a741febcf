import Big from 'big.js';
import * as E from 'fp-ts/Either';
import { cashBuckets, decide, decodeAccountEvent, evolve, initialState, isTerminal, positions, type AccountCommand, type AccountEvent, type AccountState, type OpenAccountState } from '../../domain/account';
import { orderReservedCash, orderReservedShares } from '../../domain/account/buying-power';
import { SETTLEMENT_DELAY_MS } from '../../domain/account/limits';
import { deterministicEventId } from '../../commands/command-handler';
import type { RecordedEvent } from '../../infrastructure/event-store/port';

/**
 * The test's own account for the exactly-once property test: the log as read back from the
 * store, the state folded from it, and money tracked from the commands alone with plain Big
 * arithmetic, so the decider's arithmetic is checked against a second, simpler one.
 */

// Our own Big constructor: the global Big.DP / Big.RM stay untouched.
const Dec = Big();
const dec = (value: Big.BigSource): Big => new Dec(value);
const ZERO_DEC = dec(0);
const sum = (values: readonly Big.BigSource[]): Big => values.reduce<Big>((acc, v) => acc.plus(v), ZERO_DEC);

/** The id the command handler gives the first event of a decision: UUIDv5 of stream, id source, index and the encoded event. */
export const derivedEventId = (streamId: string, source: string, event: AccountEvent): string =>
  deterministicEventId(streamId, source, 0, { type: event.type, data: event.data });

export class ModelMismatch extends Error {}
export const must = (condition: boolean, message: string): void => {
  if (!condition) throw new ModelMismatch(message);
};

/** Who sends a command decides what a retry of it looks like (see `retried`). */
export type Origin = 'client' | 'venue' | 'job';

/** One logical request, sent once or many times, always with the same event id source. */
export type Request = {
  readonly label: string;
  readonly origin: Origin;
  readonly source: string;
  readonly command: AccountCommand;
  /** Some delivery of it wrote its event; every later delivery must write nothing. */
  effective: boolean;
};

/** The event each command writes when accepted (every account command writes at most one). */
const EVENT_OF: { readonly [K in AccountCommand['type']]: AccountEvent['type'] } = {
  OpenAccount: 'AccountOpened', RequestDeposit: 'DepositInitiated', SettleDeposit: 'DepositSettled', ReturnDeposit: 'DepositReturned',
  RequestWithdrawal: 'FundsWithdrawn', PlaceOrder: 'OrderPlaced', RequestOrderReplace: 'OrderReplaceRequested', ConfirmOrderReplace: 'OrderReplaced',
  RejectOrderReplace: 'OrderReplaceRejected', RequestOrderCancel: 'OrderCancelRequested', ConfirmOrderCancel: 'OrderCancelled',
  AcknowledgeOrder: 'OrderSubmitted', RejectOrder: 'OrderRejected', ExpireOrder: 'OrderExpired', ApplyFill: 'OrderFilled', SettleTrades: 'TradesSettled',
  RouteOrder: 'OrderRouted',
};

type Unsettled = { readonly execId: string; readonly amount: Big; readonly settlesAtMs: number };

export class AccountModel {
  /** The account stream as read back from the store, and states[i] = the fold of its first i events. */
  readonly log: RecordedEvent[] = [];
  readonly states: AccountState[] = [initialState];
  readonly requests: Request[] = [];
  /** ExecIDs of fills sent so far (applied or not): the pool a resent or reused ExecID comes from. */
  readonly execIdsSent: string[] = [];
  atMs: number;
  private sequence = 0;

  // Money from the commands alone.
  settled = ZERO_DEC;
  unsettled: Unsettled[] = [];
  readonly shares = new Map<string, Big>();
  readonly deposits = new Map<string, { amount: Big; status: 'pending' | 'settled' | 'returned' }>();
  readonly appliedExecIds = new Set<string>();

  // Money from the events alone: what came in and out, and what was reserved and released.
  private cashIn = ZERO_DEC;
  private cashOut = ZERO_DEC;
  private reservedCash = ZERO_DEC;
  private reservedShares = ZERO_DEC;
  private readonly sharesFromEvents = new Map<string, Big>();

  constructor(readonly accountId: string, readonly streamId: string, startMs: number) {
    this.atMs = startMs;
  }

  get state(): OpenAccountState {
    const state = this.states[this.states.length - 1]!;
    must(state.status === 'open', 'the account is not open');
    return state as OpenAccountState;
  }

  /** A fresh name (idempotency key, report id, job run) no other request of this run uses. */
  fresh(prefix: string): string {
    this.sequence += 1;
    return `${prefix}${this.sequence}`;
  }

  /** Sale proceeds due by `upToMs`, by the model's clock of fills. */
  dueBy(upToMs: number): Unsettled[] {
    return this.unsettled.filter((u) => u.settlesAtMs <= upToMs);
  }

  /**
   * The stream as read back after a request was delivered (once or concurrently): the old part
   * must be unchanged, and the request may have added its one event, never more.
   */
  observe(request: Request, sent: readonly AccountCommand[], stored: readonly RecordedEvent[]): RecordedEvent | undefined {
    must(stored.length >= this.log.length, `${request.label}: the stream shrank`);
    this.log.forEach((known, i) => must(stored[i]!.id === known.id, `${request.label}: event ${i} changed`));
    const added = stored.slice(this.log.length);
    must(added.length <= 1, `${request.label}: wrote ${added.length} events (${added.map((e) => e.type).join(', ')})`);
    const recorded = added[0];
    if (recorded === undefined) return undefined;
    must(!request.effective, `${request.label}: took effect a second time (${recorded.type})`);
    must(recorded.type === EVENT_OF[request.command.type], `${request.label}: wrote ${recorded.type}`);
    // The id is derived from the request and the decision (the state before it is the log's last): a retry of the same decision repeats it.
    const derived = sent.flatMap((command) => {
      const decision = decide(command, this.states[this.states.length - 1]!);
      return E.isRight(decision) ? decision.right.slice(0, 1).map((event) => derivedEventId(this.streamId, request.source, event)) : [];
    });
    must(derived.includes(recorded.id), `${request.label}: event id ${recorded.id} is not the one derived from ${request.source} and its decision`);
    this.record(request, recorded);
    return recorded;
  }

  /** Folds one stored event of `request` into the log, the states and both ledgers. */
  record(request: Request, recorded: RecordedEvent): void {
    const decoded = decodeAccountEvent(recorded.type, recorded.data);
    must(E.isRight(decoded), `${request.label}: stored event fails its codec`);
    if (E.isLeft(decoded)) return;
    const event = decoded.right;
    const before = this.states[this.states.length - 1]!;
    this.followMoney(request, event, before);
    request.effective = true;
    this.log.push(recorded);
    this.states.push(evolve(before, event));
  }

  private followMoney(request: Request, event: AccountEvent, before: AccountState): void {
    const { command, label } = request;
    const orderBefore = (orderId: string) => (before.status === 'open' ? before.orders[orderId] : undefined);
    switch (event.type) {
      case 'AccountOpened':
      case 'OrderSubmitted':
      case 'OrderCancelRequested':
      case 'OrderRouted':
        return;
      case 'DepositInitiated':
        must(command.type === 'RequestDeposit' && dec(command.data.amount).eq(event.data.amount), `${label}: deposit of another amount`);
        this.deposits.set(event.data.transferId, { amount: dec(event.data.amount), status: 'pending' });
        return;
      case 'DepositSettled': {
        const deposit = this.deposits.get(event.data.transferId);
        must(deposit?.status === 'pending', `${label}: settled a deposit the model does not hold pending`);
        if (deposit === undefined) return;
        deposit.status = 'settled';
        this.settled = this.settled.plus(deposit.amount);
        this.cashIn = this.cashIn.plus(event.data.amount);
        return;
      }
      case 'DepositReturned': {
        const deposit = this.deposits.get(event.data.transferId);
        must(deposit !== undefined && deposit.status !== 'returned', `${label}: returned a deposit twice`);
        if (deposit === undefined) return;
        const taken = deposit.status === 'settled' ? deposit.amount : ZERO_DEC;
        must(taken.eq(event.data.settledCashDebited), `${label}: return took ${event.data.settledCashDebited}, the model expected ${taken.toFixed(2)}`);
        deposit.status = 'returned';
        this.settled = this.settled.minus(taken);
        this.cashOut = this.cashOut.plus(event.data.settledCashDebited);
        return;
      }
      case 'FundsWithdrawn':
        must(command.type === 'RequestWithdrawal' && dec(command.data.amount).eq(event.data.amount), `${label}: withdrawal of another amount`);
        this.settled = this.settled.minus(event.data.amount);
        this.cashOut = this.cashOut.plus(event.data.amount);
        return;
      case 'OrderPlaced':
        must(command.type === 'PlaceOrder' && command.data.orderId === event.data.orderId, `${label}: placed another order id`);
        this.reservedCash = this.reservedCash.plus(event.data.reservedCash);
        this.reservedShares = this.reservedShares.plus(event.data.reservedShares);
        return;
      case 'OrderReplaceRequested':
        this.reservedCash = this.reservedCash.plus(event.data.heldCash);
        this.reservedShares = this.reservedShares.plus(event.data.heldShares);
        return;
      case 'OrderReplaced': {
        const order = orderBefore(event.data.orderId);
        must(order !== undefined, `${label}: replaced an unknown order`);
        if (order === undefined) return;
        this.reservedCash = this.reservedCash.minus(orderReservedCash(order)).plus(event.data.reservedCash);
        this.reservedShares = this.reservedShares.minus(orderReservedShares(order)).plus(event.data.reservedShares);
        return;
      }
      case 'OrderReplaceRejected':
      case 'OrderCancelled':
      case 'OrderRejected':
      case 'OrderExpired':
        this.reservedCash = this.reservedCash.minus(event.data.releasedCash);
        this.reservedShares = this.reservedShares.minus(event.data.releasedShares);
        return;
      case 'OrderFilled': {
        must(command.type === 'ApplyFill', `${label}: a fill from another command`);
        if (command.type !== 'ApplyFill') return;
        const fill = command.data;
        must(fill.execId === event.data.execId && fill.orderId === event.data.orderId && dec(fill.quantity).eq(event.data.quantity), `${label}: stored fill differs from the report`);
        must(!this.appliedExecIds.has(fill.execId), `${label}: ExecID ${fill.execId} applied twice`);
        this.appliedExecIds.add(fill.execId);
        // Cash of a fill: price × quantity, half-even to the cent.
        const cash = dec(fill.price).times(fill.quantity).round(2, Big.roundHalfEven);
        must(cash.eq(event.data.cash), `${label}: fill cash ${event.data.cash}, the model says ${cash.toFixed(2)}`);
        const held = this.shares.get(event.data.symbol) ?? ZERO_DEC;
        const heldFromEvents = this.sharesFromEvents.get(event.data.symbol) ?? ZERO_DEC;
        this.reservedCash = this.reservedCash.minus(event.data.releasedCash);
        this.reservedShares = this.reservedShares.minus(event.data.releasedShares);
        if (event.data.side === 'buy') {
          this.settled = this.settled.minus(cash);
          this.shares.set(event.data.symbol, held.plus(fill.quantity));
          this.sharesFromEvents.set(event.data.symbol, heldFromEvents.plus(event.data.quantity));
          this.cashOut = this.cashOut.plus(event.data.cash);
        } else {
          this.unsettled.push({ execId: fill.execId, amount: cash, settlesAtMs: fill.atMs + SETTLEMENT_DELAY_MS });
          this.shares.set(event.data.symbol, held.minus(fill.quantity));
          this.sharesFromEvents.set(event.data.symbol, heldFromEvents.minus(event.data.quantity));
          this.cashIn = this.cashIn.plus(event.data.cash);
        }
        return;
      }
      case 'TradesSettled': {
        must(command.type === 'SettleTrades', `${label}: trades settled by another command`);
        if (command.type !== 'SettleTrades') return;
        const due = this.dueBy(command.data.upToMs);
        must(sum(due.map((u) => u.amount)).eq(event.data.amount), `${label}: settled ${event.data.amount}, the model had ${sum(due.map((u) => u.amount)).toFixed(2)} due`);
        this.settled = this.settled.plus(event.data.amount);
        this.unsettled = this.unsettled.filter((u) => !due.includes(u));
        return;
      }
    }
  }

  /** Everything that must hold of the stream and of the state folded from it, after every step. */
  checkInvariants(where: string): void {
    this.checkUniqueness(where);
    const state = this.state;
    const buckets = cashBuckets(state)!;
    const settledPlusUnsettled = dec(buckets.settled).plus(buckets.unsettled);
    // Conservation: deposits − returns − withdrawals − buy costs + sale proceeds = settled + unsettled.
    must(this.cashIn.minus(this.cashOut).eq(settledPlusUnsettled), `${where}: cash in − out is ${this.cashIn.minus(this.cashOut).toFixed(2)}, buckets hold ${settledPlusUnsettled.toFixed(2)}`);
    must(this.settled.eq(buckets.settled), `${where}: settled ${buckets.settled}, the model says ${this.settled.toFixed(2)}`);
    must(sum(this.unsettled.map((u) => u.amount)).eq(buckets.unsettled), `${where}: unsettled ${buckets.unsettled}, the model says ${sum(this.unsettled.map((u) => u.amount)).toFixed(2)}`);
    const pending = sum([...this.deposits.values()].filter((d) => d.status === 'pending').map((d) => d.amount));
    must(pending.eq(buckets.pendingDeposits), `${where}: pending deposits ${buckets.pendingDeposits}, the model says ${pending.toFixed(2)}`);
    // Shares per symbol: the model, the fills stored, and the positions agree.
    const held = new Map(positions(state).map((p) => [p.symbol, dec(p.quantity)]));
    for (const symbol of new Set([...this.shares.keys(), ...held.keys()])) {
      const fromModel = this.shares.get(symbol) ?? ZERO_DEC;
      must(fromModel.eq(held.get(symbol) ?? ZERO_DEC), `${where}: ${symbol} position ${held.get(symbol)?.toFixed(6) ?? '0'}, the model says ${fromModel.toFixed(6)}`);
      must(fromModel.eq(this.sharesFromEvents.get(symbol) ?? ZERO_DEC) && fromModel.gte(0), `${where}: ${symbol} shares not conserved`);
    }
    // Reserves: what open orders hold, equal to what was reserved minus what was released.
    const orders = Object.values(state.orders);
    const open = orders.filter((o) => !isTerminal(o.status));
    must(dec(buckets.reserved).eq(sum(open.map(orderReservedCash))) && this.reservedCash.eq(buckets.reserved), `${where}: reserved ${buckets.reserved}, events say ${this.reservedCash.toFixed(2)}`);
    must(this.reservedShares.eq(sum(open.map(orderReservedShares))), `${where}: reserved shares ${sum(open.map(orderReservedShares)).toFixed(6)}, events say ${this.reservedShares.toFixed(6)}`);
    for (const order of orders.filter((o) => isTerminal(o.status))) {
      must(orderReservedCash(order).eq(0) && orderReservedShares(order).eq(0), `${where}: ${order.status} order ${order.orderId} still reserves`);
    }
  }

  /** Exactly once, read off the stored stream: one OrderPlaced per order, one fill per ExecID, one event per transfer id and per event id. */
  private checkUniqueness(where: string): void {
    const once = (seen: Set<string>, key: string, what: string) => {
      must(!seen.has(key), `${where}: ${what} ${key} stored twice`);
      seen.add(key);
    };
    const [ids, placed, execIds, transfers] = [new Set<string>(), new Set<string>(), new Set<string>(), new Set<string>()];
    for (const recorded of this.log) {
      once(ids, recorded.id, 'event id');
      const data = recorded.data as { orderId?: string; execId?: string; transferId?: string };
      if (recorded.type === 'OrderPlaced') once(placed, data.orderId ?? '', 'OrderPlaced of order');
      if (recorded.type === 'OrderFilled') once(execIds, data.execId ?? '', 'OrderFilled of ExecID');
      if (recorded.type === 'DepositInitiated' || recorded.type === 'FundsWithdrawn') once(transfers, data.transferId ?? '', 'transfer');
    }
    must(placed.size === Object.keys(this.state.orders).length, `${where}: ${Object.keys(this.state.orders).length} orders from ${placed.size} OrderPlaced`);
  }

  /** The state the log gives at `revision` (a cache entry's or a snapshot's). */
  stateAt(revision: bigint): AccountState {
    const state = this.states[Number(revision) + 1];
    must(state !== undefined, `revision ${revision} is beyond the stream's ${this.log.length} events`);
    return state!;
  }
}
