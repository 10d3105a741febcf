import type { Response } from 'express';
import type { MarketHours } from '../../domain/market-hours/calendar';
import { DomainErrorCode, orderView, type AccountCommand, type AccountEvent, type OrderView } from '../../domain/account';
import type { BuyingPowerStore } from '../../infrastructure/buying-power/port';
import type { EventStore } from '../../infrastructure/event-store/port';
import { accountIdOf, correlationIdOf, idempotencyKeyOf } from '../../infrastructure/http/context';
import { sendError, type ApiError } from '../../infrastructure/http/errors';
import type { IdempotencyStore } from '../../infrastructure/idempotency/store';
import type { Logger } from '../../infrastructure/logging';
import type { MarketDataReader } from '../../infrastructure/market/port';
import type { Metrics } from '../../infrastructure/metrics';
import type { SessionStore } from '../../infrastructure/sessions/store';
import type { Accounts, AccountOutcome } from '../accounts/account-stream';
import { eventOfRequest } from '../accounts/request-backstop';
import { etagHeader } from '../../domain/account/order-json';

export type OrdersRouterDeps = {
  readonly store: EventStore;
  readonly accounts: Accounts;
  readonly idempotencyStore: IdempotencyStore;
  readonly jwtSecret: string;
  readonly logger: Logger;
  readonly market?: MarketDataReader;
  /** The buying power read model, for refusing a buy obviously over it before the account is loaded. */
  readonly buyingPower?: BuyingPowerStore;
  readonly metrics?: Metrics;
  readonly nowMs?: () => number;
  /** Which session a moment is in; without one every moment is the regular session. */
  readonly marketHours?: MarketHours;
  readonly idempotencyTtlMs?: number;
  /** Revoked sessions' tokens are refused (log-out, password change). */
  readonly sessionStore?: SessionStore;
  /** The order's event history from the orders read model; without it `GET /v1/orders/{id}` answers without `history`. */
  readonly orderHistory?: (accountId: string, orderId: string) => Promise<ReadonlyArray<{ readonly type: string; readonly status: string; readonly atMs: number }>>;
};

export type PriorAttempt = { readonly kind: 'same'; readonly position: bigint } | { readonly kind: 'other' } | { readonly kind: 'none' };

export const ORDER_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const orderNotFound = (orderId: string): ApiError => ({ code: DomainErrorCode.OrderNotFound, message: `no order ${orderId} in this account` });

/** What every order route does alike: run a command as the caller, answer with an order, recognise a retry. */
export type OrderRouteKit = ReturnType<typeof createOrderRouteKit>;

export const createOrderRouteKit = (deps: OrdersRouterDeps) => {
  const nowMs = deps.nowMs ?? (() => Date.now());

  /** The command on the caller's own account stream, with who, why and which request in its metadata. */
  const run = (res: Response, command: AccountCommand, eventIdSource: string) => {
    const accountId = accountIdOf(res);
    return deps.accounts.execute(accountId, command, {
      eventIdSource,
      metadata: { actor: `user:${accountId}`, correlationId: correlationIdOf(res), idempotencyKey: idempotencyKeyOf(res) },
    });
  };

  const answerOrder = (res: Response, status: number, outcome: AccountOutcome, orderId: string, shape: (view: OrderView) => object): void => {
    const view = orderView(outcome.state, orderId);
    if (view === null) { sendError(res, orderNotFound(orderId)); return; }
    res.setHeader('ETag', etagHeader(view.etag));
    res.status(status).json({ ...shape(view), position: outcome.position.toString() });
  };

  /**
   * Answers with the order as the stream holds it now, for a retry whose first attempt already took
   * effect, and with the position of that first attempt's own events (`ownPosition`), as it answered.
   */
  const answerCurrentOrder = async (res: Response, status: number, orderId: string, ownPosition: bigint, shape: (view: OrderView) => object): Promise<void> =>
    answerOrder(res, status, { events: [], state: await deps.accounts.load(accountIdOf(res)), position: ownPosition }, orderId, shape);

  /**
   * What a refusal of a replace or cancel says about this request's own first attempt, when its idempotency
   * record is lost: `same` (with the position of that attempt's events) when the stream holds this key's event
   * for this order and `isSame` proves it asked for what this request asks (answer with the order as it is
   * now), `other` when this key asked for something else there (the key was reused), `none` when the refusal
   * is just a refusal.
   */
  const priorAttempt = async <T extends 'OrderReplaceRequested' | 'OrderCancelRequested'>(
    res: Response, orderId: string, type: T, code: ApiError['code'], isSame: (event: Extract<AccountEvent, { type: T }>) => boolean,
  ): Promise<PriorAttempt> => {
    if (code !== DomainErrorCode.VersionMismatch && code !== DomainErrorCode.InvalidTransition) return { kind: 'none' };
    const prior = await eventOfRequest(deps.store, accountIdOf(res), idempotencyKeyOf(res), (event) => event.type === type && event.data.orderId === orderId);
    if (prior === undefined) return { kind: 'none' };
    return isSame(prior.event as Extract<AccountEvent, { type: T }>) ? { kind: 'same', position: prior.position } : { kind: 'other' };
  };

  return { nowMs, run, answerOrder, answerCurrentOrder, priorAttempt };
};
