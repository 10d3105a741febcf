import { Router, type Request, type Response } from 'express';
import { orderView } from '../../domain/account';
import { requireBearer } from '../../infrastructure/auth/bearer';
import { accountIdOf } from '../../infrastructure/http/context';
import { sendError } from '../../infrastructure/http/errors';
import { accountIdempotency } from '../../infrastructure/idempotency/account-scoped';
import { fingerprintKeyFrom } from '../../infrastructure/idempotency/fingerprint';
import { cancelOrder, replaceOrder } from './change-order';
import { etagHeader, orderJson } from '../../domain/account/order-json';
import { placeOrder } from './place-order';
import { createOrderRouteKit, ORDER_ID_PATTERN, orderNotFound, type OrdersRouterDeps } from './route-kit';

export type { OrdersRouterDeps } from './route-kit';

/**
 * `POST /v1/orders`, `PATCH` and `DELETE /v1/orders/{id}`, and `GET /v1/orders/{id}` read from the write
 * model (the account stream), so a client reads its own writes at once. Every order lives in its owner's
 * account stream: another user's order id is simply not found there (404, never 403, so ids leak nothing).
 */
export const createOrdersRouter = (deps: OrdersRouterDeps): Router => {
  const router = Router();
  const kit = createOrderRouteKit(deps);
  const auth = requireBearer(deps.jwtSecret, deps.sessionStore);
  const idempotent = accountIdempotency({
    store: deps.idempotencyStore, logger: deps.logger, fingerprintKey: fingerprintKeyFrom(deps.jwtSecret),
    ...(deps.metrics ? { metrics: deps.metrics } : {}), ...(deps.idempotencyTtlMs !== undefined ? { ttlMs: deps.idempotencyTtlMs } : {}),
  });

  router.post('/v1/orders', auth, idempotent, placeOrder(deps, kit));
  router.get('/v1/orders/:id', auth, async (req: Request, res: Response) => {
    const orderId = String(req.params.id);
    const view = ORDER_ID_PATTERN.test(orderId) ? orderView(await deps.accounts.load(accountIdOf(res)), orderId) : null;
    if (view === null) { sendError(res, orderNotFound(orderId)); return; }
    res.setHeader('ETag', etagHeader(view.etag));
    const history = deps.orderHistory === undefined ? undefined : await deps.orderHistory(accountIdOf(res), orderId);
    res.json(history === undefined ? orderJson(view) : { ...orderJson(view), history: history.map((h) => ({ type: h.type, status: h.status, at: new Date(h.atMs).toISOString() })) });
  });
  router.patch('/v1/orders/:id', auth, idempotent, replaceOrder(deps, kit));
  router.delete('/v1/orders/:id', auth, idempotent, cancelOrder(deps, kit));
  return router;
};
