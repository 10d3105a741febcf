import type { Request, Response } from 'express';
import * as E from 'fp-ts/Either';
import { orderView, type OrderView } from '../../domain/account';
import { ifMatchVersion } from '../../domain/order/state-machine';
import { findAsset } from '../../domain/market/catalog';
import { MarketErrorCode } from '../../domain/market/errors';
import { accountIdOf, idempotencyKeyOf, loggerOf } from '../../infrastructure/http/context';
import { sendError, type ApiError } from '../../infrastructure/http/errors';
import { big } from '../../domain/money';
import { decodeBody } from '../../infrastructure/http/validation';
import { idFromIdempotencyKey } from '../../infrastructure/idempotency/derived-id';
import { ReplaceOrderBody } from './bodies';
import { marketPreTradeChecks } from './market-checks';
import { ORDER_ID_PATTERN, orderNotFound, type OrderRouteKit, type OrdersRouterDeps, type PriorAttempt } from './route-kit';

/** A term the request leaves out is not compared; one it names must equal the stored one as a number ("151" is "151.00"). */
const sameDecimal = (requested: string | undefined, stored: string | null): boolean =>
  requested === undefined || (stored !== null && big(requested).eq(stored));

const answerRefusal = async (res: Response, prior: PriorAttempt, refusal: ApiError, answerSame: (position: bigint) => Promise<void>): Promise<void> => {
  if (prior.kind === 'same') await answerSame(prior.position);
  else if (prior.kind === 'other') sendError(res, { code: 'IDEMPOTENCY_KEY_REUSED', message: 'this Idempotency-Key already asked for something else' });
  else sendError(res, refusal);
};

const replacing = (view: OrderView) => ({ order_id: view.orderId, status: view.status, etag: view.etag });
const cancelling = (view: OrderView) => ({ order_id: view.orderId, status: view.status });

/** `PATCH /v1/orders/{id}` with `If-Match`: asks the venue to replace the order's terms (→ pending_replace). */
export const replaceOrder = (deps: OrdersRouterDeps, kit: OrderRouteKit) => async (req: Request, res: Response): Promise<void> => {
  const orderId = String(req.params.id);
  if (!ORDER_ID_PATTERN.test(orderId)) { sendError(res, orderNotFound(orderId)); return; }
  const ifMatch = req.get('If-Match');
  // RFC 9110: only a missing If-Match is 428; one that names another version, in whatever spelling, is 412.
  if (ifMatch === undefined) {
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
  const atMs = kit.nowMs();
  const current = orderView(await deps.accounts.load(accountIdOf(res)), orderId);
  if (current === null) { sendError(res, orderNotFound(orderId)); return; }
  // Version 0 is never issued: an If-Match naming no current version is decided as a mismatch (412), which
  // still lets a replay of this very request, already applied, be answered as its first attempt was.
  const expectedVersion = ifMatchVersion(ifMatch, current.version) ?? 0;
  const asset = findAsset(current.symbol);
  if (asset !== undefined) {
    // A halt does not stop a modification reaching the venue; a fat-fingered new price does.
    const market = await marketPreTradeChecks(deps.market, { asset, side: current.side, limitPrice: changes.limit_price, stopPrice: changes.stop_price, nowMs: atMs }, loggerOf(res));
    if (E.isLeft(market) && market.left.code === MarketErrorCode.PriceUnreasonable) { sendError(res, market.left); return; }
  }
  const replaced = await kit.run(res, {
    type: 'RequestOrderReplace',
    data: {
      orderId, expectedVersion, atMs,
      ...(changes.quantity !== undefined ? { quantity: changes.quantity } : {}),
      ...(changes.limit_price !== undefined ? { limitPrice: changes.limit_price } : {}),
      ...(changes.stop_price !== undefined ? { stopPrice: changes.stop_price } : {}),
    },
  }, idFromIdempotencyKey(accountIdOf(res), idempotencyKeyOf(res), `replace/${orderId}`));
  if (E.isRight(replaced)) { kit.answerOrder(res, 200, replaced.right, orderId, replacing); return; }
  // Provably this request again only when every term it names is what that attempt asked for.
  const prior = await kit.priorAttempt(res, orderId, 'OrderReplaceRequested', replaced.left.code, ({ data }) =>
    sameDecimal(changes.quantity, data.quantity) && sameDecimal(changes.limit_price, data.limitPrice) && sameDecimal(changes.stop_price, data.stopPrice));
  await answerRefusal(res, prior, replaced.left, (position) => kit.answerCurrentOrder(res, 200, orderId, position, replacing));
};

/** `DELETE /v1/orders/{id}`: asks the venue to cancel (→ pending_cancel; the cancel is confirmed later). */
export const cancelOrder = (_deps: OrdersRouterDeps, kit: OrderRouteKit) => async (req: Request, res: Response): Promise<void> => {
  const orderId = String(req.params.id);
  if (!ORDER_ID_PATTERN.test(orderId)) { sendError(res, orderNotFound(orderId)); return; }
  const cancelled = await kit.run(res, { type: 'RequestOrderCancel', data: { orderId, atMs: kit.nowMs() } },
    idFromIdempotencyKey(accountIdOf(res), idempotencyKeyOf(res), `cancel/${orderId}`));
  if (E.isRight(cancelled)) { kit.answerOrder(res, 200, cancelled.right, orderId, cancelling); return; }
  // A cancel names nothing but its order, which the key's event names too: that is the whole request.
  const prior = await kit.priorAttempt(res, orderId, 'OrderCancelRequested', cancelled.left.code, () => true);
  await answerRefusal(res, prior, cancelled.left, (position) => kit.answerCurrentOrder(res, 200, orderId, position, cancelling));
};
