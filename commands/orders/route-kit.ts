import type { Response } from 'express';
import { DomainErrorCode, orderView, type AccountCommand, type OrderView } from '../../domain/account';
import type { EventStore } from '../../infrastructure/event-store/port';
import { accountIdOf, correlationIdOf, idempotencyKeyOf } from '../../infrastructure/http/context';
import { sendError, type ApiError } from '../../infrastructure/http/errors';
import type { IdempotencyStore } from '../../infrastructure/idempotency/store';
import type { Logger } from '../../infrastructure/logging';
import type { MarketDataReader } from '../../infrastructure/market/port';
import type { Metrics } from '../../infrastructure/metrics';
import type { Accounts, AccountOutcome } from '../accounts/account-stream';
import { eventOfRequest } from '../accounts/request-backstop';
import { etagHeader } from './order-json';

export type OrdersRouterDeps = {
  readonly store: EventStore;
  readonly accounts: Accounts;
  readonly idempotencyStore: IdempotencyStore;
  readonly jwtSecret: string;
  readonly logger: Logger;
  readonly market?: MarketDataReader;
  readonly metrics?: Metrics;
  readonly nowMs?: () => number;
  readonly idempotencyTtlMs?: number;
};

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
   * When a refusal only says this request's own first attempt already took effect (its idempotency
   * record lost): the position of that attempt's events. Otherwise undefined.
   */
  const alreadyDone = async (res: Response, orderId: string, type: 'OrderReplaceRequested' | 'OrderCancelRequested', code: string): Promise<bigint | undefined> => {
    if (code !== DomainErrorCode.VersionMismatch && code !== DomainErrorCode.InvalidTransition) return undefined;
    const done = await eventOfRequest(deps.store, accountIdOf(res), idempotencyKeyOf(res), (event) => event.type === type && event.data.orderId === orderId);
    return done?.position;
  };

  return { nowMs, run, answerOrder, answerCurrentOrder, alreadyDone };
};
