import { randomUUID } from 'node:crypto';
import Big from 'big.js';
import * as E from 'fp-ts/Either';
import fc from 'fast-check';
import { cashBuckets, decide, decodeAccountEvent, DomainErrorCode, evolve, initialState, isTerminal, matchesPlacement, type AccountCommand, type AccountState, type OrderRecord } from '../domain/account';
import { MARKET_BUY_COLLAR_RATIO } from '../domain/account/limits';
import { unreservedShares } from '../domain/account/positions';
import { asCash, asPrice, asQuantity, big } from '../domain/money';
import { accountStreamOf, createAccounts, type Accounts, type AccountOutcome } from '../commands/accounts/account-stream';
import { StreamStateCache } from '../commands/state-cache';
import { snapshotStreamOf } from '../commands/stream-loader';
import { idFromIdempotencyKey } from '../infrastructure/idempotency/derived-id';
import { createInMemoryEventStore } from '../infrastructure/event-store/in-memory';
import { createPostgresEventStore } from '../infrastructure/event-store/postgres';
import { collect, type EventStore } from '../infrastructure/event-store/port';
import { createTestDatabase, type TestDatabase } from './support/pg-database';
import { AccountModel, derivedEventId, must, type Origin, type Request } from './support/account-model';
import { placeSpecArb } from '../domain/account/test-builders';

/**
 * Exactly once at the command layer: random requests through the real command handler and a
 * real event store, delivered once, retried later with the same ids (a client whose idempotency
 * record Redis lost, a venue resending a report, a job run again), or twice at once, in one API
 * process or in two with separate caches. The account stream must hold each effect once.
 */
// EXACTLY_ONCE_RUNS / EXACTLY_ONCE_PG_RUNS let a longer hunt run locally; CI keeps the fast defaults.
const IN_MEMORY_RUNS = Number(process.env.EXACTLY_ONCE_RUNS ?? 100);
const POSTGRES_RUNS = Number(process.env.EXACTLY_ONCE_PG_RUNS ?? 15);
const STEPS_MAX = 40;
const T0 = 1_700_000_000_000;
const SYMBOLS = ['AAPL', 'MSFT'] as const;
const SEED_DEPOSIT_CASH = '20000.00';
const SEED_SHARES = '20.000000'; // of each symbol, bought at 100.00 before the random steps
/** Events written straight to the stream before some runs, so the handler writes a snapshot (every 200 events) mid-run. */
const PREFILL_DEPOSITS = 98;
const KNOWN_CODES = new Set<string>(Object.values(DomainErrorCode));
/** EXACTLY_ONCE_COVERAGE=1 prints what the runs exercised: outcomes by kind, so a generator that stopped reaching a path shows. */
const coverage = new Map<string, number>();
const count = (key: string) => coverage.set(key, (coverage.get(key) ?? 0) + 1);
afterAll(() => {
  if (process.env.EXACTLY_ONCE_COVERAGE === '1') console.log([...coverage.entries()].sort().map(([k, n]) => `${k}: ${n}`).join('\n'));
});

type Instance = { readonly accounts: Accounts; readonly cache: StreamStateCache<AccountState> };
/** Two API processes: one store, each its own cache of account states. */
type Real = { readonly store: EventStore; readonly instances: readonly [Instance, Instance] };

const newInstance = (store: EventStore): Instance => {
  const cache = new StreamStateCache<AccountState>();
  return { accounts: createAccounts(store, { cache }), cache };
};

/** How one request reaches the handler: once, or twice at once (same process, or the other one, whose clock may read 1 ms later). */
type Delivery = { readonly via: 0 | 1; readonly twin: 'none' | 'same' | 'other'; readonly skewMs: 0 | 1 };
const deliveryArb: fc.Arbitrary<Delivery> = fc.record({
  via: fc.constantFrom(0 as const, 1 as const),
  twin: fc.constantFrom('none' as const, 'none' as const, 'same' as const, 'other' as const),
  skewMs: fc.constantFrom(0 as const, 1 as const),
});

/** A client request is stamped by the API process that takes it; venue reports and job runs carry their own time. */
const stamped = (command: AccountCommand, origin: Origin, atMs: number): AccountCommand =>
  origin === 'client' ? ({ ...command, data: { ...command.data, atMs } } as AccountCommand) : command;

const streamOf = async (store: EventStore, streamId: string) => collect(store.readStream(streamId));

/** Deliver `command` (the request's, or a retry's) and check what the stream and the answers show. */
const deliver = async (model: AccountModel, real: Real, request: Request, command: AccountCommand, delivery: Delivery): Promise<void> => {
  const context = { eventIdSource: request.source, metadata: { actor: `test:${request.origin}` } };
  const first = real.instances[delivery.via];
  const twin = delivery.twin === 'none' ? undefined : delivery.twin === 'same' ? first : real.instances[1 - delivery.via]!;
  const sends = [{ instance: first, command }];
  if (twin !== undefined) sends.push({ instance: twin, command: stamped(command, request.origin, command.data.atMs + delivery.skewMs) });
  const wasEffective = request.effective;
  const results = await Promise.all(sends.map(({ instance, command: sent }) => instance.accounts.execute(model.accountId, sent, context)));

  const written = model.observe(request, sends.map((s) => s.command), await streamOf(real.store, model.streamId));
  const kind = `${wasEffective ? 'retry-of-effective' : 'first-effect-attempt'}${sends.length > 1 ? '+twin' : ''}`;
    const answers = results.map((r) => (E.isLeft(r) ? r.left.code : `ok:${r.right.events.length}`)).join('/');
  count(`${kind} ${request.command.type}: ${written === undefined ? answers : `${written.type} ${(written.data as { side?: string }).side ?? ''}`}`);
  for (const [index, result] of results.entries()) {
    const label = `${request.label} (delivery ${index + 1} of ${results.length})`;
    if (E.isLeft(result)) {
      must(KNOWN_CODES.has(result.left.code), `${label}: ${result.left.code} ${result.left.message}`);
      // The router's answer to a replayed placement: the order already there, placed with the same terms. Those are
      // its OrderPlaced event's, as the router reads them: a replace since changed the order's terms, not its placement.
      if (result.left.code === DomainErrorCode.DuplicateOrder && sends[index]!.command.type === 'PlaceOrder') {
        const sent = sends[index]!.command;
        const placed = (await streamOf(real.store, model.streamId))
          .map((recorded) => decodeAccountEvent(recorded.type, recorded.data))
          .find((decoded) => E.isRight(decoded) && decoded.right.type === 'OrderPlaced' && sent.type === 'PlaceOrder' && decoded.right.data.orderId === sent.data.orderId);
        must(sent.type === 'PlaceOrder' && placed !== undefined && E.isRight(placed) && placed.right.type === 'OrderPlaced' && matchesPlacement(placed.right.data, sent.data),
          `${label}: a replay is not the same placement`);
      }
      continue;
    }
    checkAnswer(model, label, request, result.right);
  }
  if (wasEffective) must(written === undefined, `${request.label}: a retry wrote again`);
};

/** An accepted answer must tell the truth: the event it reports is the one stored under the request's id, and the state is the log's. */
const checkAnswer = (model: AccountModel, label: string, request: Request, outcome: AccountOutcome): void => {
  if (outcome.events.length === 0) return;
  const id = derivedEventId(model.streamId, request.source, outcome.events[0]!);
  const index = model.log.findIndex((e) => e.id === id);
  must(index >= 0, `${label}: answered ${outcome.events[0]!.type} that is not in the stream`);
  expect({ label, state: outcome.state }).toEqual({ label, state: model.states[index + 1] });
};

/** Every instance's cache and every snapshot must be a state the log went through, at its revision. */
const checkCachesAndSnapshots = async (model: AccountModel, real: Real, where: string): Promise<void> => {
  for (const [index, instance] of real.instances.entries()) {
    const cached = instance.cache.get(model.streamId);
    if (cached !== undefined) expect({ where, cacheOf: index, state: cached.state }).toEqual({ where, cacheOf: index, state: model.stateAt(cached.revision) });
  }
  const snapshots = await streamOf(real.store, snapshotStreamOf(model.streamId));
  if (where === 'end') count(`runs ending with ${snapshots.length} snapshot(s), ${model.log.length >= 200 ? '>=' : '<'}200 events`);
  must(new Set(snapshots.map((s) => s.id)).size === snapshots.length, `${where}: a snapshot id stored twice`);
  for (const snapshot of snapshots) {
    const data = snapshot.data as { revision: string; state: unknown };
    expect({ where, snapshotAt: data.revision, state: data.state }).toEqual({ where, snapshotAt: data.revision, state: model.stateAt(BigInt(data.revision)) });
  }
};

const send = async (model: AccountModel, real: Real, label: string, origin: Origin, source: string, command: AccountCommand, delivery: Delivery): Promise<Request> => {
  const request: Request = { label, origin, source, command, effective: false };
  model.requests.push(request);
  await deliver(model, real, request, command, delivery);
  return request;
};

// ---- the requests a run is made of ----

const nth = <T>(items: readonly T[], index: number): T | undefined => (items.length === 0 ? undefined : items[index % items.length]);
const pctOf = (value: Big, pct: number) => value.times(pct).div(100).round(4, Big.roundDown);
const liveOrders = (model: AccountModel) => Object.values(model.state.orders).filter((o) => !isTerminal(o.status));

type Spec =
  | { kind: 'deposit'; cents: number }
  | { kind: 'settleDeposit' | 'returnDeposit'; pick: number }
  | { kind: 'withdraw'; cents: number }
  | { kind: 'place'; side: 'buy' | 'sell'; type: 'market' | 'limit' | 'stop' | 'stop_limit'; symbol: number; micros: number; notionalCents: number | null; refTicks: number; limitPct: number; stopPct: number; tif: 'day' | 'gtc' | 'ioc' | 'fok'; ext: boolean }
  | { kind: 'ack' | 'cancel' | 'confirmCancel' | 'reject' | 'expire' | 'confirmReplace' | 'rejectReplace'; pick: number }
  | { kind: 'fill'; pick: number; portion: number; pricePct: number; reuseExecId: number | null }
  | { kind: 'replace'; pick: number; stale: boolean; pricePct: number; qtyPct: number }
  | { kind: 'settleTrades' }
  | { kind: 'retry'; pick: number; recent: boolean; referencePct: number }
  | { kind: 'audit'; via: 0 | 1 };
type Step = { readonly spec: Spec; readonly delivery: Delivery; readonly advanceMs: number };

/** The price a buy's reserve was computed at, so most buy fills stay within their reserve. */
const reservePrice = (order: OrderRecord): Big => {
  if (order.limitPrice !== null) return big(order.limitPrice);
  return big(order.stopPrice ?? order.referencePrice).times(big('1').plus(MARKET_BUY_COLLAR_RATIO));
};

const runStep = async (model: AccountModel, real: Real, { spec, delivery, advanceMs }: Step): Promise<void> => {
  model.atMs += advanceMs;
  const atMs = model.atMs;
  const state = model.state;
  const key = () => model.fresh('key-');
  switch (spec.kind) {
    case 'deposit': {
      const transferId = idFromIdempotencyKey(model.accountId, key(), 'transfer');
      const request = await send(model, real, `deposit ${transferId}`, 'client', transferId, { type: 'RequestDeposit', data: { transferId, amount: asCash(big(String(spec.cents)).div(100).toFixed(2)), atMs } }, delivery);
      must(request.effective, `${request.label}: a new deposit was refused`);
      return;
    }
    case 'settleDeposit':
    case 'returnDeposit': {
      const pending = [...model.deposits.entries()].filter(([, d]) => (spec.kind === 'settleDeposit' ? d.status === 'pending' : d.status !== 'returned'));
      const transferId = nth(pending, spec.pick)?.[0];
      if (transferId === undefined) return;
      const request = spec.kind === 'settleDeposit'
        ? await send(model, real, `settle deposit ${transferId}`, 'job', `ach-settle/${transferId}`, { type: 'SettleDeposit', data: { transferId, atMs } }, delivery)
        : await send(model, real, `return deposit ${transferId}`, 'job', `ach-return/${transferId}`, { type: 'ReturnDeposit', data: { transferId, reason: 'R01', atMs } }, delivery);
      must(request.effective, `${request.label}: refused though the deposit is ${model.deposits.get(transferId)?.status}`);
      return;
    }
    case 'withdraw': {
      const transferId = idFromIdempotencyKey(model.accountId, key(), 'transfer');
      await send(model, real, `withdraw ${transferId}`, 'client', transferId, { type: 'RequestWithdrawal', data: { transferId, amount: asCash(big(String(spec.cents)).div(100).toFixed(2)), atMs } }, delivery);
      return;
    }
    case 'place': {
      // The order id comes from the idempotency key, as POST /v1/orders derives it.
      const orderId = idFromIdempotencyKey(model.accountId, key(), 'order');
      const ref = big(String(spec.refTicks)).div(10_000);
      const held = SYMBOLS.filter((s) => unreservedShares(state, s).gt(0));
      const symbol = spec.side === 'sell' && held.length > 0 ? nth(held, spec.symbol)! : SYMBOLS[spec.symbol % SYMBOLS.length]!;
      const free = unreservedShares(state, symbol);
      const sellSome = spec.side === 'sell' && free.gt(0) && spec.micros % 3 !== 0;
      const quantity = sellSome ? free.times(spec.micros % 100 + 1).div(100).round(6, Big.roundDown) : big(String(spec.micros)).div(1_000_000);
      const needsLimit = spec.type === 'limit' || spec.type === 'stop_limit';
      const needsStop = spec.type === 'stop' || spec.type === 'stop_limit';
      const notional = spec.notionalCents !== null && spec.type === 'market' ? asCash(big(String(spec.notionalCents)).div(100).toFixed(2)) : undefined;
      const command: AccountCommand = {
        type: 'PlaceOrder',
        data: {
          orderId, symbol, side: spec.side, type: spec.type,
          ...(notional !== undefined ? { notional } : { quantity: asQuantity((quantity.gt(0) ? quantity : big('0.000001')).toFixed(6)) }),
          ...(needsLimit ? { limitPrice: asPrice(pctOf(ref, spec.limitPct).toFixed(4)) } : {}),
          ...(needsStop ? { stopPrice: asPrice(pctOf(ref, spec.stopPct).toFixed(4)) } : {}),
          timeInForce: spec.tif, extendedHours: spec.ext && spec.type === 'limit' && spec.tif !== 'ioc' && spec.tif !== 'fok',
          referencePrice: asPrice(ref.toFixed(4)), atMs,
        },
      };
      await send(model, real, `place ${spec.side} ${spec.type} ${orderId}`, 'client', orderId, command, delivery);
      return;
    }
    case 'ack':
    case 'cancel':
    case 'confirmCancel':
    case 'reject':
    case 'expire':
    case 'confirmReplace':
    case 'rejectReplace': {
      const wanted: Partial<Record<Spec['kind'], string>> = { ack: 'pending_new', confirmCancel: 'pending_cancel', confirmReplace: 'pending_replace', rejectReplace: 'pending_replace' };
      const orders = Object.values(state.orders);
      const preferred = orders.filter((o) => (wanted[spec.kind] === undefined ? !isTerminal(o.status) : o.status === wanted[spec.kind]));
      const orderId = (nth(preferred, spec.pick) ?? nth(orders, spec.pick))?.orderId;
      if (orderId === undefined) return;
      if (spec.kind === 'cancel') {
        // DELETE /v1/orders/{id}: the event id source comes from the request's idempotency key.
        const source = idFromIdempotencyKey(model.accountId, key(), `cancel/${orderId}`);
        await send(model, real, `cancel ${orderId}`, 'client', source, { type: 'RequestOrderCancel', data: { orderId, atMs } }, delivery);
        return;
      }
      // Every venue execution report has its own ExecID; a resend repeats it.
      const reportId = model.fresh('report-');
      const command: AccountCommand =
        spec.kind === 'ack' ? { type: 'AcknowledgeOrder', data: { orderId, venue: 'XNYS', atMs } }
          : spec.kind === 'confirmCancel' ? { type: 'ConfirmOrderCancel', data: { orderId, atMs } }
            : spec.kind === 'reject' ? { type: 'RejectOrder', data: { orderId, reason: 'venue', atMs } }
              : spec.kind === 'expire' ? { type: 'ExpireOrder', data: { orderId, atMs } }
                : spec.kind === 'confirmReplace' ? { type: 'ConfirmOrderReplace', data: { orderId, atMs } }
                  : { type: 'RejectOrderReplace', data: { orderId, reason: 'late', atMs } };
      await send(model, real, `${spec.kind} ${orderId} (${reportId})`, 'venue', reportId, command, delivery);
      return;
    }
    case 'fill': {
      const orders = Object.values(state.orders);
      const order = nth(orders.filter((o) => !isTerminal(o.status)), spec.pick) ?? nth(orders, spec.pick);
      if (order === undefined) return;
      const open = big(order.quantity).minus(order.filledQuantity);
      const portions = [open, open.div(2).round(6, Big.roundDown), open.div(3).round(6, Big.roundDown), big('0.000001'), open.plus('0.000001'), open.times(7).div(10).round(6, Big.roundDown)];
      const quantity = portions[spec.portion % portions.length]!;
      const price = pctOf(order.side === 'buy' ? reservePrice(order) : big(order.referencePrice), spec.pricePct);
      // A venue may reuse an ExecID (the pool of those sent): the account applies each one once.
      const execId = (spec.reuseExecId === null ? undefined : nth(model.execIdsSent, spec.reuseExecId)) ?? model.fresh('exec-');
      const alreadyApplied = model.appliedExecIds.has(execId);
      model.execIdsSent.push(execId);
      const request = await send(model, real, `fill ${order.orderId} ${quantity.toFixed(6)} (${execId})`, 'venue', execId, {
        type: 'ApplyFill',
        data: { orderId: order.orderId, execId, quantity: asQuantity((quantity.gt(0) ? quantity : big('0.000001')).toFixed(6)), price: asPrice((price.gt(0) ? price : big('0.0001')).toFixed(4)), venue: 'XNYS', atMs },
      }, delivery);
      if (alreadyApplied) must(!request.effective, `${request.label}: an ExecID already applied wrote a fill`);
      return;
    }
    case 'replace': {
      const order = nth(liveOrders(model), spec.pick);
      if (order === undefined) return;
      const quantity = big(order.quantity).times(spec.qtyPct).div(100).round(6, Big.roundDown);
      const source = idFromIdempotencyKey(model.accountId, key(), `replace/${order.orderId}`);
      await send(model, real, `replace ${order.orderId}`, 'client', source, {
        type: 'RequestOrderReplace',
        data: {
          orderId: order.orderId, expectedVersion: spec.stale ? order.version - 1 : order.version,
          ...(order.limitPrice !== null ? { limitPrice: asPrice(pctOf(big(order.limitPrice), spec.pricePct).toFixed(4)) } : {}),
          ...(spec.qtyPct % 2 === 0 && quantity.gt(0) ? { quantity: asQuantity(quantity.toFixed(6)) } : {}),
          atMs,
        },
      }, delivery);
      return;
    }
    case 'settleTrades': {
      const due = model.dueBy(atMs).length > 0;
      const request = await send(model, real, `settle trades up to ${atMs}`, 'job', model.fresh('settle-run-'), { type: 'SettleTrades', data: { upToMs: atMs, atMs } }, delivery);
      must(request.effective === due, `${request.label}: wrote ${request.effective ? 'an event' : 'nothing'} with ${due ? 'proceeds' : 'nothing'} due`);
      return;
    }
    case 'retry': {
      const candidates = spec.recent ? model.requests.slice(-3) : model.requests;
      const request = nth(candidates, spec.pick);
      if (request === undefined) return;
      // A retried POST is stamped anew and priced at the market of the moment; the order id and event ids are the first attempt's.
      let command = stamped(request.command, request.origin, atMs);
      if (command.type === 'PlaceOrder' && spec.referencePct !== 100) {
        command = { ...command, data: { ...command.data, referencePrice: asPrice(pctOf(big(command.data.referencePrice), spec.referencePct).toFixed(4)) } };
      }
      await deliver(model, real, request, command, delivery);
      return;
    }
    case 'audit': {
      // What a process answers from: its own load (cache plus tail), and a new process's (snapshot plus tail).
      for (const accounts of [real.instances[spec.via].accounts, newInstance(real.store).accounts]) {
        expect({ audit: spec.via, state: await accounts.load(model.accountId) }).toEqual({ audit: spec.via, state: model.state });
      }
      return;
    }
  }
};

const pick = fc.nat({ max: 1000 });
const specArb: fc.Arbitrary<Spec> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('deposit' as const), cents: fc.integer({ min: 1, max: 500_000 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('settleDeposit' as const), pick }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('returnDeposit' as const), pick }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('withdraw' as const), cents: fc.oneof(fc.integer({ min: 1, max: 300_000 }), fc.integer({ min: 1_500_000, max: 2_500_000 })) }) },
  {
    weight: 5,
    arbitrary: placeSpecArb,
  },
  { weight: 6, arbitrary: fc.record({ kind: fc.constantFrom('ack' as const, 'cancel' as const, 'confirmCancel' as const, 'reject' as const, 'expire' as const, 'confirmReplace' as const, 'rejectReplace' as const), pick }) },
  { weight: 7, arbitrary: fc.record({ kind: fc.constant('fill' as const), pick, portion: fc.nat({ max: 5 }), pricePct: fc.integer({ min: 80, max: 115 }), reuseExecId: fc.option(pick, { freq: 3 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('replace' as const), pick, stale: fc.integer({ min: 0, max: 4 }).map((n) => n === 0), pricePct: fc.integer({ min: 80, max: 130 }), qtyPct: fc.integer({ min: 50, max: 150 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('settleTrades' as const) }) },
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('retry' as const), pick, recent: fc.boolean(), referencePct: fc.constantFrom(100, 100, 97, 104) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('audit' as const), via: fc.constantFrom(0 as const, 1 as const) }) },
);
const stepArb: fc.Arbitrary<Step> = fc.record({
  spec: specArb,
  delivery: deliveryArb,
  advanceMs: fc.oneof(fc.integer({ min: 0, max: 5_000 }), fc.integer({ min: 0, max: 2 * 86_400_000 })),
});

/** fast-check's command wrapper: every step applies (its target, if it needs one, is picked from the model). */
class AccountStep implements fc.AsyncCommand<AccountModel, Real> {
  constructor(readonly step: Step) {}
  check = () => true;
  run = async (model: AccountModel, real: Real) => {
    await runStep(model, real, this.step);
    model.checkInvariants(this.toString());
    await checkCachesAndSnapshots(model, real, this.toString());
  };
  toString = () => `${this.step.spec.kind}${JSON.stringify({ ...this.step.spec, kind: undefined, ...this.step.delivery, advanceMs: this.step.advanceMs })}`;
}
const stepsArb = fc.commands([stepArb.map((step) => new AccountStep(step))], { maxCommands: STEPS_MAX, size: 'max' });

// ---- one run: open, fund, maybe grow long, random steps, then every order ended by the venue ----

const OPEN_ONCE: Delivery = { via: 0, twin: 'none', skewMs: 0 };

const startRun = async (store: EventStore, prefill: boolean): Promise<{ model: AccountModel; real: Real }> => {
  const accountId = `acc-${randomUUID()}`;
  const model = new AccountModel(accountId, accountStreamOf(accountId), T0);
  const real: Real = { store, instances: [newInstance(store), newInstance(store)] };
  await send(model, real, 'open', 'client', 'open', { type: 'OpenAccount', data: { accountId, email: 'a@example.com', atMs: T0 } }, OPEN_ONCE);
  const seed = idFromIdempotencyKey(accountId, 'seed', 'transfer');
  await send(model, real, 'seed deposit', 'client', seed, { type: 'RequestDeposit', data: { transferId: seed, amount: asCash(SEED_DEPOSIT_CASH), atMs: T0 } }, OPEN_ONCE);
  await send(model, real, 'seed settle', 'job', `ach-settle/${seed}`, { type: 'SettleDeposit', data: { transferId: seed, atMs: T0 } }, OPEN_ONCE);
  // Some shares of each symbol from the start, so sells can place and fill from the first step.
  for (const symbol of SYMBOLS) {
    const orderId = idFromIdempotencyKey(accountId, `seed-buy-${symbol}`, 'order');
    await send(model, real, `seed buy ${symbol}`, 'client', orderId, {
      type: 'PlaceOrder',
      data: { orderId, symbol, side: 'buy', type: 'limit', quantity: asQuantity(SEED_SHARES), limitPrice: asPrice('100.00'), timeInForce: 'day', extendedHours: false, referencePrice: asPrice('100.00'), atMs: T0 },
    }, OPEN_ONCE);
    const execId = `seed-exec-${symbol}`;
    await send(model, real, `seed fill ${symbol}`, 'venue', execId, { type: 'ApplyFill', data: { orderId, execId, quantity: asQuantity(SEED_SHARES), price: asPrice('100.00'), venue: 'XNYS', atMs: T0 } }, OPEN_ONCE);
  }
  if (prefill) await writeHistory(model, store);
  model.checkInvariants('start');
  return { model, real };
};

/** A long history written in one append behind both processes' backs: their caches go stale, and the next append crosses the snapshot interval. */
const writeHistory = async (model: AccountModel, store: EventStore): Promise<void> => {
  let state: AccountState = model.state;
  const requests: Request[] = [];
  const events: { id: string; type: string; data: unknown }[] = [];
  for (let i = 0; i < PREFILL_DEPOSITS; i += 1) {
    const transferId = `history-${i}`;
    const pair: Request[] = [
      { label: `history deposit ${transferId}`, origin: 'client', source: transferId, command: { type: 'RequestDeposit', data: { transferId, amount: asCash('1.00'), atMs: T0 } }, effective: false },
      { label: `history settle ${transferId}`, origin: 'job', source: `ach-settle/${transferId}`, command: { type: 'SettleDeposit', data: { transferId, atMs: T0 } }, effective: false },
    ];
    for (const request of pair) {
      const decision = decide(request.command, state);
      if (E.isLeft(decision)) throw new Error(`${request.label} refused: ${decision.left.code}`);
      state = decision.right.reduce(evolve, state);
      requests.push(request);
      events.push(...decision.right.map((event) => ({ id: derivedEventId(model.streamId, request.source, event), type: event.type, data: event.data })));
    }
  }
  const outcome = await store.appendToStream(model.streamId, events, { expectedRevision: BigInt(model.log.length - 1) });
  must(outcome.kind === 'Appended', 'history append conflicted');
  const stored = await streamOf(store, model.streamId);
  // Not retry candidates: a run's retries go to the requests of its own steps and its setup.
  for (const request of requests) model.record(request, stored[model.log.length]!);
};

/** The venue ends every live order; then nothing may stay reserved, and every reader agrees with a fold of the log from scratch. */
const finishRun = async (model: AccountModel, real: Real): Promise<void> => {
  model.atMs += 1;
  for (const order of liveOrders(model)) {
    const ends: AccountCommand[] = order.status === 'pending_cancel'
      ? [{ type: 'ConfirmOrderCancel', data: { orderId: order.orderId, atMs: model.atMs } }]
      : order.status === 'pending_replace'
        ? [{ type: 'RejectOrderReplace', data: { orderId: order.orderId, reason: 'end', atMs: model.atMs } }, { type: 'ExpireOrder', data: { orderId: order.orderId, atMs: model.atMs } }]
        : [{ type: 'ExpireOrder', data: { orderId: order.orderId, atMs: model.atMs } }];
    for (const command of ends) {
      const request = await send(model, real, `end ${command.type} ${order.orderId}`, 'venue', model.fresh('report-'), command, OPEN_ONCE);
      must(request.effective, `${request.label}: refused`);
    }
  }
  model.checkInvariants('end');
  await checkCachesAndSnapshots(model, real, 'end');
  must(Object.values(model.state.orders).every((o) => isTerminal(o.status)), 'end: an order is still live');
  must(cashBuckets(model.state)?.reserved === '0.00', `end: ${cashBuckets(model.state)?.reserved} still reserved`);
  const stored = await streamOf(real.store, model.streamId);
  const folded = stored.reduce<AccountState>((state, recorded) => {
    const decoded = E.getOrElseW(() => { throw new Error(`end: ${recorded.type} fails its codec`); })(decodeAccountEvent(recorded.type, recorded.data));
    return evolve(state, decoded);
  }, initialState);
  expect(folded).toEqual(model.state);
  for (const accounts of [...real.instances.map((i) => i.accounts), newInstance(real.store).accounts]) {
    expect(await accounts.load(model.accountId)).toEqual(folded);
  }
};

const property = (store: () => EventStore | Promise<EventStore>) =>
  fc.asyncProperty(stepsArb, fc.boolean(), async (steps, prefill) => {
    const run = await startRun(await store(), prefill);
    await fc.asyncModelRun(() => run, steps);
    await finishRun(run.model, run.real);
  });

/** EXACTLY_ONCE_SEED and EXACTLY_ONCE_PATH replay a reported failure. */
const replayOptions = process.env.EXACTLY_ONCE_SEED === undefined ? {} : { seed: Number(process.env.EXACTLY_ONCE_SEED), path: process.env.EXACTLY_ONCE_PATH ?? '', endOnFailure: true };

/** A fixed list of steps, run like one property run: for counterexamples the property found. */
const replay = async (steps: readonly Step[]): Promise<void> => {
  const run = await startRun(createInMemoryEventStore(() => T0), false);
  await fc.asyncModelRun(() => run, steps.map((step) => new AccountStep(step)));
  await finishRun(run.model, run.real);
};
const marketOrder = { type: 'market', symbol: 0, micros: 1_000_000, notionalCents: null, refTicks: 1_000_000, limitPct: 100, stopPct: 100, tif: 'day', ext: false } as const;
const once = (via: 0 | 1): Delivery => ({ via, twin: 'none', skewMs: 0 });

// Hundreds of random runs through the command handler: the in-memory property alone takes 15-45 s on a 2-core machine
// (idle or shared), and CI boxes run up to 10x slower than that: 180 s left it almost no room there.
jest.setTimeout(600_000);

describe('exactly once through the command handler, with retries and concurrent duplicates', () => {
  it('holds on the in-memory event store', async () => {
    await fc.assert(property(() => createInMemoryEventStore(() => T0)), { numRuns: IN_MEMORY_RUNS, ...replayOptions });
  });

  describe('on PostgreSQL', () => {
    let database: TestDatabase;
    let store: EventStore;
    beforeAll(async () => {
      database = await createTestDatabase('exactly_once');
      store = await createPostgresEventStore({ connectionString: database.url, listenForCommits: false });
    });
    afterAll(async () => {
      await store?.close();
      await database?.drop();
    });

    it('holds on the PostgreSQL event store, each run on a fresh account stream', async () => {
      await fc.assert(property(() => store), { numRuns: POSTGRES_RUNS, ...replayOptions });
    });
  });

  describe('counterexamples the property found', () => {
    it('a client retry reaching the other process, whose cache is stale, answers and caches the stored order, not its re-priced copy', async () => {
      await replay([
        { spec: { kind: 'place', side: 'buy', ...marketOrder }, delivery: once(1), advanceMs: 0 },
        // Redis lost the key; the retry goes to process 0 a second later, with the market 4% up.
        { spec: { kind: 'retry', pick: 2, recent: true, referencePct: 104 }, delivery: once(0), advanceMs: 1_000 },
        { spec: { kind: 'expire', pick: 0 }, delivery: once(0), advanceMs: 1_000 },
      ]);
    });

    it('two processes taking the same deposit at once, a millisecond apart, leave the state the log holds', async () => {
      await replay([{ spec: { kind: 'deposit', cents: 1 }, delivery: { via: 0, twin: 'same', skewMs: 1 }, advanceMs: 0 }]);
    });

    it('a client retry of a placement whose order was replaced since is the same placement: the terms it was placed with, not its current ones', async () => {
      const noFill = { kind: 'fill', pick: 0, portion: 0, pricePct: 80, reuseExecId: null } as const;
      await replay([
        { spec: { kind: 'settleTrades' }, delivery: once(0), advanceMs: 0 },
        { spec: noFill, delivery: once(0), advanceMs: 0 },
        { spec: noFill, delivery: once(0), advanceMs: 0 },
        { spec: noFill, delivery: once(0), advanceMs: 0 },
        { spec: { kind: 'place', side: 'buy', type: 'stop_limit', symbol: 0, micros: 3, notionalCents: null, refTicks: 3, limitPct: 90, stopPct: 90, tif: 'day', ext: false }, delivery: once(0), advanceMs: 0 },
        { spec: { kind: 'replace', pick: 0, stale: true, pricePct: 80, qtyPct: 50 }, delivery: once(0), advanceMs: 0 },
        { spec: { kind: 'fill', pick: 0, portion: 1, pricePct: 80, reuseExecId: null }, delivery: once(0), advanceMs: 0 },
        { spec: { kind: 'replace', pick: 0, stale: false, pricePct: 80, qtyPct: 57 }, delivery: once(0), advanceMs: 0 },
        { spec: { kind: 'ack', pick: 0 }, delivery: once(0), advanceMs: 0 },
        { spec: { kind: 'fill', pick: 0, portion: 1, pricePct: 80, reuseExecId: null }, delivery: once(0), advanceMs: 0 },
        { spec: { kind: 'confirmReplace', pick: 0 }, delivery: once(0), advanceMs: 0 },
        // The placement again (Redis lost its key): the decider says DUPLICATE_ORDER, the order's terms are the replace's.
        { spec: { kind: 'retry', pick: 515, recent: false, referencePct: 100 }, delivery: once(0), advanceMs: 0 },
      ]);
    });

    it('a settle run in a process whose cache missed a sale still settles the proceeds due', async () => {
      await replay([
        { spec: { kind: 'place', side: 'sell', ...marketOrder }, delivery: once(0), advanceMs: 0 },
        { spec: { kind: 'fill', pick: 0, portion: 0, pricePct: 100, reuseExecId: null }, delivery: once(1), advanceMs: 0 },
        { spec: { kind: 'settleTrades' }, delivery: once(0), advanceMs: 86_400_000 },
      ]);
    });
  });
});
