import { Router, type Request, type Response } from 'express';
import * as E from 'fp-ts/Either';
import { versionFromEtag } from '../../domain/order/state-machine';
import { DomainErrorCode, matchesPlacement, orderView, type AccountCommand, type PlaceOrderData } from '../../domain/account';
import { findAsset, isWellFormedSymbol } from '../../infrastructure/assets/catalog';
import { requireBearer } from '../../infrastructure/auth/bearer';
import type { EventStore } from '../../infrastructure/event-store/port';
import { accountIdOf, correlationIdOf, idempotencyKeyOf, loggerOf } from '../../infrastructure/http/context';
import { sendError, type ApiError } from '../../infrastructure/http/errors';
import { decodeBody } from '../../infrastructure/http/validation';
import { accountIdempotency } from '../../infrastructure/idempotency/account-scoped';
import { idFromIdempotencyKey } from '../../infrastructure/idempotency/derived-id';
import type { IdempotencyStore } from '../../infrastructure/idempotency/store';
import type { Logger } from '../../infrastructure/logging';
import type { MarketDataReader } from '../../infrastructure/market/port';
import type { Metrics } from '../../infrastructure/metrics';
import type { Accounts, AccountOutcome } from '../accounts/account-stream';
import { eventOfRequest } from '../accounts/request-backstop';
import '../error-statuses';
import { PlaceOrderBody, ReplaceOrderBody } from './bodies';
import { marketPreTradeChecks } from './market-checks';
import { etagHeader, orderJson } from './order-json';

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

const ORDER_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const orderNotFound = (orderId: string): ApiError => ({ code: DomainErrorCode.OrderNotFound, message: `no order ${orderId} in this account` });

/**
 * `POST /v1/orders`, `PATCH` and `DELETE /v1/orders/{id}`, and `GET /v1/orders/{id}` read from the write
 * model (the account stream), so a client reads its own writes at once. Every order lives in its owner's
 * account stream: another user's order id is simply not found there (404, never 403, so ids leak nothing).
 */
export const createOrdersRouter = (deps: OrdersRouterDeps): Router => {
  const nowMs = deps.nowMs ?? (() => Date.now());
  const router = Router();
  const auth = requireBearer(deps.jwtSecret);
  const idempotent = accountIdempotency({ store: deps.idempotencyStore, logger: deps.logger, ...(deps.metrics ? { metrics: deps.metrics } : {}), ...(deps.idempotencyTtlMs ? { ttlMs: deps.idempotencyTtlMs } : {}) });

  const run = (res: Response, command: AccountCommand, eventIdSource: string) => {
    const accountId = accountIdOf(res);
    return deps.accounts.execute(accountId, command, {
      eventIdSource,
      metadata: { actor: `user:${accountId}`, correlationId: correlationIdOf(res), idempotencyKey: idempotencyKeyOf(res) },
    });
  };

  const answerOrder = (res: Response, status: number, outcome: AccountOutcome, orderId: string, shape: (view: NonNullable<ReturnType<typeof orderView>>) => object) => {
    const view = orderView(outcome.state, orderId);
    if (view === null) { sendError(res, orderNotFound(orderId)); return; }
    res.setHeader('ETag', etagHeader(view.etag));
    res.status(status).json({ ...shape(view), position: outcome.position.toString() });
  };

  /** Whether a refusal only says this request's own first attempt already took effect. */
  const alreadyDone = async (res: Response, orderId: string, type: 'OrderReplaceRequested' | 'OrderCancelRequested', code: string): Promise<boolean> =>
    (code === DomainErrorCode.VersionMismatch || code === DomainErrorCode.InvalidTransition) &&
    (await eventOfRequest(deps.store, accountIdOf(res), idempotencyKeyOf(res), (event) => event.type === type && event.data.orderId === orderId)) !== undefined;

  router.post('/v1/orders', auth, idempotent, async (req: Request, res: Response) => {
    const body = decodeBody(PlaceOrderBody, req.body);
    if (E.isLeft(body)) { sendError(res, body.left); return; }
    const order = body.right;
    const asset = isWellFormedSymbol(order.symbol) ? findAsset(order.symbol) : undefined;
    if (asset === undefined) { sendError(res, { code: 'UNKNOWN_SYMBOL', message: `${order.symbol} is not a tradable symbol`, field: 'symbol' }); return; }
    const atMs = nowMs();
    const accountId = accountIdOf(res);
    const orderId = idFromIdempotencyKey(accountId, idempotencyKeyOf(res), 'order');
    const accepted = (view: NonNullable<ReturnType<typeof orderView>>) => ({ order_id: view.orderId, status: view.status, reserved_amount: view.reservedAmount, etag: view.etag });
    const data = (referencePrice: string): PlaceOrderData => ({
      orderId, symbol: asset.symbol, side: order.side, type: order.type,
      ...(order.quantity !== undefined ? { quantity: order.quantity } : {}),
      ...(order.notional !== undefined ? { notional: order.notional } : {}),
      ...(order.limit_price !== undefined ? { limitPrice: order.limit_price } : {}),
      ...(order.stop_price !== undefined ? { stopPrice: order.stop_price } : {}),
      timeInForce: order.time_in_force ?? 'day', extendedHours: order.extended_hours ?? false,
      referencePrice, atMs,
    });
    // The event-store backstop: the idempotency record is gone (Redis flushed or expired) but this key's
    // order is already in the stream. The same terms as placed: answer with the order as it is now, whatever
    // the market does meanwhile. Other terms: the key was reused.
    const answerExisting = async (requested: PlaceOrderData): Promise<boolean> => {
      const placed = await eventOfRequest(deps.store, accountId, idempotencyKeyOf(res), (event) => event.type === 'OrderPlaced' && event.data.orderId === orderId);
      if (placed === undefined || placed.type !== 'OrderPlaced') return false;
      if (!matchesPlacement(placed.data, requested)) {
        sendError(res, { code: 'IDEMPOTENCY_KEY_REUSED', message: 'this Idempotency-Key already placed a different order' });
        return true;
      }
      answerOrder(res, 201, { events: [], state: await deps.accounts.load(accountId), position: await deps.store.headPosition() }, orderId, accepted);
      return true;
    };

    const market = await marketPreTradeChecks(deps.market, {
      asset, side: order.side, limitPrice: order.limit_price, stopPrice: order.stop_price, nowMs: atMs,
    }, loggerOf(res));
    if (E.isLeft(market)) {
      if (!(await answerExisting(data(asset.reference_price)))) sendError(res, market.left);
      return;
    }
    const placed = await run(res, { type: 'PlaceOrder', data: data(market.right.referencePrice) }, orderId);
    if (E.isRight(placed)) { answerOrder(res, 201, placed.right, orderId, accepted); return; }
    if (placed.left.code !== DomainErrorCode.DuplicateOrder || !(await answerExisting(data(market.right.referencePrice)))) sendError(res, placed.left);
  });

  router.get('/v1/orders/:id', auth, async (req: Request, res: Response) => {
    const orderId = String(req.params.id);
    const view = ORDER_ID_PATTERN.test(orderId) ? orderView(await deps.accounts.load(accountIdOf(res)), orderId) : null;
    if (view === null) { sendError(res, orderNotFound(orderId)); return; }
    res.setHeader('ETag', etagHeader(view.etag));
    res.json(orderJson(view));
  });

  router.patch('/v1/orders/:id', auth, idempotent, async (req: Request, res: Response) => {
    const orderId = String(req.params.id);
    if (!ORDER_ID_PATTERN.test(orderId)) { sendError(res, orderNotFound(orderId)); return; }
    const ifMatch = req.get('If-Match');
    const expectedVersion = ifMatch === undefined ? null : versionFromEtag(ifMatch);
    if (expectedVersion === null) {
      sendError(res, { code: 'IF_MATCH_REQUIRED', message: 'send the order\'s ETag in If-Match (e.g. If-Match: "v1")', field: 'If-Match' });
      return;
    }
    const body = decodeBody(ReplaceOrderBody, req.body);
    if (E.isLeft(body)) { sendError(res, body.left); return; }
    const changes = body.right;
    if (changes.quantity === undefined && changes.limit_price === undefined && changes.stop_price === undefined) {
      sendError(res, { code: 'VALIDATION_FAILED', message: 'body: name at least one of quantity, limit_price, stop_price' });
      return;
    }
    const atMs = nowMs();
    const current = orderView(await deps.accounts.load(accountIdOf(res)), orderId);
    if (current === null) { sendError(res, orderNotFound(orderId)); return; }
    const asset = findAsset(current.symbol);
    if (asset !== undefined) {
      const market = await marketPreTradeChecks(deps.market, { asset, side: current.side, limitPrice: changes.limit_price, stopPrice: changes.stop_price, nowMs: atMs }, loggerOf(res));
      if (E.isLeft(market) && market.left.code === 'PRICE_UNREASONABLE') { sendError(res, market.left); return; }
    }
    const replaced = await run(res, {
      type: 'RequestOrderReplace',
      data: {
        orderId, expectedVersion, atMs,
        ...(changes.quantity !== undefined ? { quantity: changes.quantity } : {}),
        ...(changes.limit_price !== undefined ? { limitPrice: changes.limit_price } : {}),
        ...(changes.stop_price !== undefined ? { stopPrice: changes.stop_price } : {}),
      },
    }, idFromIdempotencyKey(accountIdOf(res), idempotencyKeyOf(res), `replace/${orderId}`));
    const replacing = (view: NonNullable<ReturnType<typeof orderView>>) => ({ order_id: view.orderId, status: view.status, etag: view.etag });
    if (E.isRight(replaced)) { answerOrder(res, 200, replaced.right, orderId, replacing); return; }
    // A retry whose first attempt went through (its idempotency record lost) now meets its own change.
    if (await alreadyDone(res, orderId, 'OrderReplaceRequested', replaced.left.code)) {
      answerOrder(res, 200, { events: [], state: await deps.accounts.load(accountIdOf(res)), position: await deps.store.headPosition() }, orderId, replacing);
      return;
    }
    sendError(res, replaced.left);
  });

  router.delete('/v1/orders/:id', auth, idempotent, async (req: Request, res: Response) => {
    const orderId = String(req.params.id);
    if (!ORDER_ID_PATTERN.test(orderId)) { sendError(res, orderNotFound(orderId)); return; }
    const cancelled = await run(res, { type: 'RequestOrderCancel', data: { orderId, atMs: nowMs() } },
      idFromIdempotencyKey(accountIdOf(res), idempotencyKeyOf(res), `cancel/${orderId}`));
    const cancelling = (view: NonNullable<ReturnType<typeof orderView>>) => ({ order_id: view.orderId, status: view.status });
    if (E.isRight(cancelled)) { answerOrder(res, 200, cancelled.right, orderId, cancelling); return; }
    if (await alreadyDone(res, orderId, 'OrderCancelRequested', cancelled.left.code)) {
      answerOrder(res, 200, { events: [], state: await deps.accounts.load(accountIdOf(res)), position: await deps.store.headPosition() }, orderId, cancelling);
      return;
    }
    sendError(res, cancelled.left);
  });

  return router;
};
