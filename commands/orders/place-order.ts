import type { Request, Response } from 'express';
import * as E from 'fp-ts/Either';
import { DomainErrorCode, matchesPlacement, type OrderView, type PlaceOrderData } from '../../domain/account';
import { MarketErrorCode } from '../../domain/market/errors';
import type { Price } from '../../domain/money';
import { findAsset } from '../../domain/market/catalog';
import { isWellFormedSymbol, normalizeSymbol } from '../../domain/market/symbol';
import { accountIdOf, idempotencyKeyOf, loggerOf } from '../../infrastructure/http/context';
import { sendError } from '../../infrastructure/http/errors';
import { decodeBody } from '../../infrastructure/http/validation';
import { idFromIdempotencyKey } from '../../infrastructure/idempotency/derived-id';
import { eventOfRequest } from '../accounts/request-backstop';
import { PlaceOrderBody, type PlaceOrderBody as PlaceOrderRequest } from './bodies';
import { preCheckBuyingPower } from './buying-power-precheck';
import { marketPreTradeChecks } from './market-checks';
import type { OrderRouteKit, OrdersRouterDeps } from './route-kit';

const accepted = (view: OrderView) => ({ order_id: view.orderId, status: view.status, reserved_amount: view.reservedAmount, etag: view.etag });

const placeOrderData = (order: PlaceOrderRequest, orderId: string, symbol: string, referencePrice: Price, atMs: number, deps: OrdersRouterDeps): PlaceOrderData => ({
  orderId, symbol, side: order.side, type: order.type,
  ...(order.quantity !== undefined ? { quantity: order.quantity } : {}),
  ...(order.notional !== undefined ? { notional: order.notional } : {}),
  ...(order.limit_price !== undefined ? { limitPrice: order.limit_price } : {}),
  ...(order.stop_price !== undefined ? { stopPrice: order.stop_price } : {}),
  timeInForce: order.time_in_force ?? 'day', extendedHours: order.extended_hours ?? false,
  referencePrice, atMs,
  ...(deps.marketHours ? { marketSession: deps.marketHours.sessionAt(atMs) } : {}),
});

/** `POST /v1/orders`: validation, market checks, then the account decider's pre-trade checks and reserve. */
export const placeOrder = (deps: OrdersRouterDeps, kit: OrderRouteKit) => async (req: Request, res: Response): Promise<void> => {
  const body = decodeBody(PlaceOrderBody, req.body);
  if (E.isLeft(body)) { sendError(res, body.left); return; }
  const order = body.right;
  const asset = isWellFormedSymbol(normalizeSymbol(order.symbol)) ? findAsset(order.symbol) : undefined;
  if (asset === undefined) { sendError(res, { code: MarketErrorCode.UnknownSymbol, message: `${order.symbol} is not a tradable symbol`, field: 'symbol' }); return; }
  const atMs = kit.nowMs();
  const accountId = accountIdOf(res);
  const orderId = idFromIdempotencyKey(accountId, idempotencyKeyOf(res), 'order');

  // The event-store backstop: the idempotency record is gone (Redis flushed or expired) but this key's
  // order is already in the stream. The same terms as placed: answer with the order as it is now, whatever
  // the market does meanwhile. Other terms: the key was reused.
  const answeredAsPlaced = async (requested: PlaceOrderData): Promise<boolean> => {
    const placed = await eventOfRequest(deps.store, accountId, idempotencyKeyOf(res), (event) => event.type === 'OrderPlaced' && event.data.orderId === orderId);
    if (placed === undefined || placed.event.type !== 'OrderPlaced') return false;
    if (matchesPlacement(placed.event.data, requested)) await kit.answerCurrentOrder(res, 201, orderId, placed.position, accepted);
    else sendError(res, { code: 'IDEMPOTENCY_KEY_REUSED', message: 'this Idempotency-Key already placed a different order' });
    return true;
  };

  const market = await marketPreTradeChecks(deps.market, { asset, side: order.side, limitPrice: order.limit_price, stopPrice: order.stop_price, nowMs: atMs }, loggerOf(res));
  if (E.isLeft(market)) {
    if (!(await answeredAsPlaced(placeOrderData(order, orderId, asset.symbol, asset.reference_price, atMs, deps)))) sendError(res, market.left);
    return;
  }
  const data = placeOrderData(order, orderId, asset.symbol, market.right.referencePrice, atMs, deps);
  const early = await preCheckBuyingPower(deps, accountId, data, loggerOf(res));
  if (early !== null) {
    if (!(await answeredAsPlaced(data))) sendError(res, early);
    return;
  }
  const placed = await kit.run(res, { type: 'PlaceOrder', data }, orderId);
  if (E.isRight(placed)) { kit.answerOrder(res, 201, placed.right, orderId, accepted); return; }
  if (placed.left.code !== DomainErrorCode.DuplicateOrder || !(await answeredAsPlaced(data))) sendError(res, placed.left);
};
