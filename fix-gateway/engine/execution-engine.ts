import * as E from 'fp-ts/Either';
import type { Accounts } from '../../commands/accounts/account-stream';
import { ConcurrencyRetriesExhausted } from '../../commands/command-handler';
import { decodeAccountEvent, DomainErrorCode, isTerminal, type AccountCommand, type AccountState, type OrderRecord } from '../../domain/account';
import { entry } from '../../domain/account/state';
import type { MarketHours } from '../../domain/market-hours/calendar';
import { stopTriggerPrice } from '../../domain/order/stop-trigger';
import type { EventStore, RecordedEvent } from '../../infrastructure/event-store/port';
import type { Logger } from '../../infrastructure/logging';
import type { MarketDataReader } from '../../infrastructure/market/port';
import type { FixAppMessage, FixSession } from '../session/messages';
import type { EngineStore } from './engine-store';
import { cancelRequest, newOrderSingle, replaceRequest, venueOrdType } from './order-messages';
import type { OrderDirectory } from './order-directory';
import { chooseVenue, type VenueQuote } from './router';
import type { SentLedger } from './sent-ledger';
import type { VenueConfig } from './venue-config';
import { VenueStandings } from './venue-standing';

/** Orders being worked at once (different accounts run in parallel; one account's events run in order). */
export const ENGINE_IN_FLIGHT_MAX = 256;
export const CHECKPOINT_EVERY_MS = 100;
export const STOP_POLL_MS = 50;
/** A command the account was too busy to take is tried again after this × attempt, up to the max. */
export const ENGINE_BUSY_RETRY_MS = 50;
export const ENGINE_BUSY_RETRY_MAX_MS = 1_000;
const ACCOUNT_PREFIX = 'account-';
export const ENGINE_EVENT_TYPES = ['OrderPlaced', 'OrderCancelRequested', 'OrderReplaceRequested'] as const;

/** Per-venue top of book for the router. */
export interface VenueQuotes {
  quotesOf(symbol: string): Promise<readonly VenueQuote[]>;
}

export type ExecutionEngineDeps = {
  readonly store: EventStore;
  readonly accounts: Accounts;
  readonly directory: OrderDirectory;
  readonly engineStore: EngineStore;
  readonly sentLedger: SentLedger;
  readonly venues: readonly VenueConfig[];
  readonly sessions: ReadonlyMap<string, FixSession>;
  readonly quotes: VenueQuotes;
  /** The NBBO stops are judged on. */
  readonly market: MarketDataReader;
  readonly marketHours: MarketHours;
  readonly standings?: VenueStandings;
  readonly logger: Logger;
  readonly nowMs: () => number;
  readonly checkpointName?: string;
  readonly onSent?: (venue: string, message: FixAppMessage) => void;
};

export type ExecutionEngine = {
  /** Resumes from the checkpoint; resolves once subscribed. A failure of infrastructure stops the engine and is reported to `onFailure`. */
  start(onFailure: (error: unknown) => void): Promise<void>;
  /** Position up to which every engine event has been acted on. */
  doneUpTo(): bigint;
  heldStopCount(): number;
  stop(): Promise<void>;
};

/**
 * The execution engine: a checkpointed subscriber to the account streams that sends to venues what was
 * committed (new orders, cancels, replaces) and nothing else. It acts on an event by looking at the order
 * as the account stream holds it now, so a cancel committed before the order was routed is confirmed
 * here and never reaches a venue.
 *
 * Exactly once, across a crash: the routing decision is an event (OrderRouted, once per order, its id
 * derived from the order), and a FIX message leaves only after the session has stored it durably. The
 * checkpoint is saved after the events before it are done; on resume, the events between the checkpoint
 * and the head seen at start may already have been acted on, so for those the engine asks the session's
 * store whether the ClOrdID already left (SentLedger) and sends only what did not.
 */
export const createExecutionEngine = (deps: ExecutionEngineDeps): ExecutionEngine => {
  const name = deps.checkpointName ?? 'execution-engine';
  const standings = deps.standings ?? new VenueStandings();
  const abort = new AbortController();
  const accountChains = new Map<string, Promise<void>>();
  const pending: { position: bigint; done: boolean }[] = [];
  const sentThisRun = new Set<string>();
  const heldStops = new Map<string, string>(); // orderId → accountId
  let doneUpTo = 0n;
  let savedUpTo = 0n;
  let recoveringUpTo = 0n;
  let inFlight = 0;
  let slotFreed: (() => void) | null = null;
  let failure: unknown = null;
  let failed: (error: unknown) => void = () => undefined;
  let loop: Promise<void> = Promise.resolve();
  let checkpointTimer: NodeJS.Timeout | undefined;
  let stopTimer: NodeJS.Timeout | undefined;
  let stopPollRunning = false;

  const run = async (accountId: string, command: AccountCommand, idSource: string): Promise<E.Either<string, AccountState>> => {
    for (let attempt = 1; ; attempt += 1) {
      const outcome = await deps.accounts.execute(accountId, command, { eventIdSource: idSource, metadata: { actor: 'system:execution-engine', causationId: idSource } });
      if (E.isRight(outcome)) return E.right(outcome.right.state);
      // Too busy is not a refusal: dropped, the order would stay pending_new for good, as the checkpoint moves
      // past it. Tried again (same ids, so a round that did land is found written) until the engine stops.
      if (outcome.left.code === ConcurrencyRetriesExhausted || outcome.left.code === DomainErrorCode.RateLimitExceeded) {
        if (abort.signal.aborted) throw new Error(`engine stopped with ${command.type} on ${accountId} not written: ${outcome.left.code}`);
        deps.logger.warn({ accountId, command: command.type, code: outcome.left.code, attempt }, 'engine command not written now; trying again');
        await new Promise((resolve) => setTimeout(resolve, Math.min(ENGINE_BUSY_RETRY_MAX_MS, ENGINE_BUSY_RETRY_MS * attempt)));
        continue;
      }
      deps.logger.info({ accountId, command: command.type, code: outcome.left.code, reason: outcome.left.message }, 'engine command refused');
      return E.left(outcome.left.code);
    }
  };

  const send = async (venue: string, message: Exclude<FixAppMessage, { msgType: 'ExecutionReport' | 'OrderCancelReject' }>, recovering: boolean): Promise<void> => {
    if (sentThisRun.has(message.clOrdId)) return;
    if (recovering && (await deps.sentLedger.wasSent(venue, message.clOrdId))) { sentThisRun.add(message.clOrdId); return; }
    const session = deps.sessions.get(venue);
    if (session === undefined) throw new Error(`no FIX session for venue ${venue}`);
    sentThisRun.add(message.clOrdId);
    await session.send(message);
    deps.onSent?.(venue, message);
  };

  /** An order routed earlier (by this run, or one that stopped before sending): sent unless it left; reports find its account. */
  const sendRouted = async (accountId: string, order: OrderRecord & { readonly route: NonNullable<OrderRecord['route']> }): Promise<void> => {
    await deps.directory.remember(order.orderId, accountId);
    await send(order.route.venue, newOrderSingle(order, order.route.clOrdId, deps.nowMs()), true);
  };

  const orderIn = (state: AccountState, orderId: string): OrderRecord | undefined => (state.status === 'open' ? entry(state.orders, orderId) : undefined);
  const loadOrder = async (accountId: string, orderId: string): Promise<OrderRecord | undefined> => orderIn(await deps.accounts.load(accountId), orderId);

  const hold = async (accountId: string, orderId: string) => {
    await deps.engineStore.holdStop({ orderId, accountId });
    heldStops.set(orderId, accountId);
  };
  const unhold = async (orderId: string) => {
    if (!heldStops.has(orderId)) return;
    await deps.engineStore.releaseStop(orderId);
    heldStops.delete(orderId);
  };

  /** Chooses a venue, records the decision on the account stream, then sends the NewOrderSingle. */
  const routeAndSend = async (accountId: string, order: OrderRecord, triggeredAt: string | null): Promise<void> => {
    const quotes = await deps.quotes.quotesOf(order.symbol);
    const ordType = venueOrdType(order);
    const decision = chooseVenue({ side: order.side, orderType: ordType, limitPrice: order.limitPrice }, deps.venues.map((v) => ({
      name: v.name,
      takes: v.orderTypes.includes(ordType),
      quote: quotes.find((q) => q.venue === v.name),
      standing: standings.standingOf(v.name, deps.sessions.get(v.name)?.isLoggedOn() ?? false),
    })));
    if (decision === null) {
      await run(accountId, { type: 'RejectOrder', data: { orderId: order.orderId, reason: `no venue takes a ${ordType} order for ${order.symbol} at the NBBO`, atMs: deps.nowMs() } }, `engine/no-venue/${order.orderId}`);
      return;
    }
    // The directory entry and the routing decision are written side by side (one round trip of waiting, not
    // two); both are durable before the order leaves. A decision found already made later (a restart, a lagging
    // engine) is sent through sendRouted, which writes the entry again if this process does not know it.
    const [, routed] = await Promise.all([
      deps.directory.remember(order.orderId, accountId),
      run(accountId, { type: 'RouteOrder', data: { orderId: order.orderId, ...decision, triggeredAt, atMs: deps.nowMs() } }, `engine/route/${order.orderId}`),
    ]);
    if (E.isLeft(routed)) return;
    const now = orderIn(routed.right, order.orderId);
    if (now?.route == null) return;
    await send(now.route.venue, newOrderSingle(now, now.route.clOrdId, deps.nowMs()), false);
    await unhold(order.orderId);
  };

  const isStop = (order: OrderRecord) => order.orderType === 'stop' || order.orderType === 'stop_limit';

  /** An order nobody has sent yet: held, triggered, or changed by its owner before it left. */
  const actOnUnrouted = async (accountId: string, order: OrderRecord): Promise<void> => {
    const atMs = deps.nowMs();
    if (order.status === 'pending_cancel') {
      await run(accountId, { type: 'ConfirmOrderCancel', data: { orderId: order.orderId, atMs } }, `engine/cancel-unsent/${order.orderId}`);
      await unhold(order.orderId);
      return;
    }
    if (order.status === 'pending_replace') {
      const confirmed = await run(accountId, { type: 'ConfirmOrderReplace', data: { orderId: order.orderId, atMs } }, `engine/replace-unsent/${order.orderId}/${order.replaceCount}`);
      const replaced = E.isRight(confirmed) ? orderIn(confirmed.right, order.orderId) : await loadOrder(accountId, order.orderId);
      if (replaced !== undefined && !isTerminal(replaced.status)) await actOnUnrouted(accountId, replaced);
      return;
    }
    if (isStop(order)) {
      const quote = await deps.market.lastQuote(order.symbol);
      const trigger = quote === undefined || order.stopPrice === null ? null : stopTriggerPrice(order.side, order.stopPrice, quote);
      if (trigger === null) { await hold(accountId, order.orderId); return; }
      await routeAndSend(accountId, order, trigger);
      return;
    }
    await routeAndSend(accountId, order, null);
  };

  const act = async (recorded: RecordedEvent, recovering: boolean): Promise<void> => {
    const decoded = decodeAccountEvent(recorded.type, recorded.data);
    if (E.isLeft(decoded) || !('orderId' in decoded.right.data)) return;
    const accountId = recorded.streamId.slice(ACCOUNT_PREFIX.length);
    const order = orderIn(await deps.accounts.loadSeeing(accountId, recorded), decoded.right.data.orderId);
    if (order === undefined) return;
    if (isTerminal(order.status)) { await unhold(order.orderId); return; }
    if (order.route === null) { await actOnUnrouted(accountId, order); return; }
    const { venue, clOrdId } = order.route;
    switch (decoded.right.type) {
      case 'OrderPlaced':
        // Routed already: by an earlier run of the engine that stopped before its checkpoint.
        await sendRouted(accountId, { ...order, route: order.route });
        return;
      case 'OrderCancelRequested':
        if (order.status === 'pending_cancel') await send(venue, cancelRequest(order, clOrdId, deps.nowMs()), recovering);
        return;
      case 'OrderReplaceRequested': {
        const request = order.status === 'pending_replace' ? replaceRequest(order, clOrdId, deps.nowMs()) : null;
        if (request !== null) await send(venue, request, recovering);
        return;
      }
      default:
        return;
    }
  };

  const markDone = (entryDone: { position: bigint; done: boolean }) => {
    entryDone.done = true;
    while (pending.length > 0 && pending[0]!.done) doneUpTo = pending.shift()!.position;
  };

  const schedule = (recorded: RecordedEvent, recovering: boolean): void => {
    const accountId = recorded.streamId.slice(ACCOUNT_PREFIX.length);
    const slot = { position: recorded.position, done: false };
    pending.push(slot);
    inFlight += 1;
    const previous = accountChains.get(accountId) ?? Promise.resolve();
    const next = previous.then(() => act(recorded, recovering)).then(
      () => {
        markDone(slot);
        inFlight -= 1;
        slotFreed?.();
        if (accountChains.get(accountId) === next) accountChains.delete(accountId);
      },
      (error: unknown) => { failure ??= error; failed(error); },
    );
    accountChains.set(accountId, next);
  };

  const saveCheckpoint = async () => {
    if (doneUpTo <= savedUpTo) return;
    const upTo = doneUpTo;
    await deps.engineStore.saveCheckpoint(name, upTo);
    savedUpTo = upTo;
  };

  /** Held stops: trigger on the NBBO, and a DAY stop that never triggered expires at its session's close. */
  const pollStops = async () => {
    if (stopPollRunning || heldStops.size === 0) return;
    stopPollRunning = true;
    try {
      for (const [orderId, accountId] of [...heldStops]) {
        const chained = (accountChains.get(accountId) ?? Promise.resolve()).then(async () => {
          const order = await loadOrder(accountId, orderId);
          if (order === undefined || isTerminal(order.status)) { await unhold(orderId); return; }
          if (order.route !== null) {
            // Triggered and routed by an earlier run that stopped before sending: send it unless it left.
            await sendRouted(accountId, { ...order, route: order.route });
            await unhold(orderId);
            return;
          }
          if (order.timeInForce === 'day' && deps.nowMs() >= deps.marketHours.dayOrderExpiresAtMs(order.placedAtMs, order.extendedHours)) {
            await run(accountId, { type: 'ExpireOrder', data: { orderId, atMs: deps.nowMs() } }, `engine/expire-held/${orderId}`);
            await unhold(orderId);
            return;
          }
          await actOnUnrouted(accountId, order);
        });
        accountChains.set(accountId, chained.catch((error: unknown) => { failure ??= error; failed(error); }));
        await chained;
      }
    } finally {
      stopPollRunning = false;
    }
  };

  return {
    start: async (onFailure) => {
      failed = (error) => { deps.logger.error({ err: error }, 'execution engine stopped on an infrastructure failure'); abort.abort(); onFailure(error); };
      const fromPosition = await deps.engineStore.checkpoint(name);
      doneUpTo = fromPosition;
      savedUpTo = fromPosition;
      recoveringUpTo = (await deps.store.headPosition()).position;
      for (const stop of await deps.engineStore.heldStops()) heldStops.set(stop.orderId, stop.accountId);
      deps.logger.info({ fromPosition: fromPosition.toString(), recoveringUpTo: recoveringUpTo.toString(), heldStops: heldStops.size }, 'execution engine resuming');
      checkpointTimer = setInterval(() => { saveCheckpoint().catch((error: unknown) => failed(error)); }, CHECKPOINT_EVERY_MS);
      stopTimer = setInterval(() => { pollStops().catch((error: unknown) => failed(error)); }, STOP_POLL_MS);
      loop = (async () => {
        try {
          for await (const recorded of deps.store.subscribeToAll({ fromPosition, filter: { eventTypes: ENGINE_EVENT_TYPES, streamPrefixes: [ACCOUNT_PREFIX] }, signal: abort.signal })) {
            if (failure !== null) return;
            while (inFlight >= ENGINE_IN_FLIGHT_MAX) await new Promise<void>((resolve) => { slotFreed = resolve; });
            schedule(recorded, recorded.position <= recoveringUpTo);
          }
        } catch (error) {
          if (!abort.signal.aborted) failed(error);
        }
      })();
    },
    doneUpTo: () => doneUpTo,
    heldStopCount: () => heldStops.size,
    stop: async () => {
      abort.abort();
      clearInterval(checkpointTimer);
      clearInterval(stopTimer);
      await loop;
      await Promise.allSettled([...accountChains.values()]);
      if (failure === null) await saveCheckpoint();
    },
  };
};

