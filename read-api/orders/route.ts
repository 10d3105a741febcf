import type { SessionStore } from '../../infrastructure/sessions/store';
import * as E from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import { Router } from 'express';
import { orderJson } from '../../domain/account/order-json';
import { requireBearer } from '../../infrastructure/auth/bearer';
import { accountIdOf } from '../../infrastructure/http/context';
import { apiError, sendError, type ApiError } from '../../infrastructure/http/errors';
import { isWellFormedSymbol } from '../../domain/market/symbol';
import { ORDERS_PROJECTION } from '../../projections/orders/model';
import { awaitConsistency } from '../consistency/read-after-write';
import { decodeCursor, encodeCursor, parseInstant, parseLimit, single } from '../query-params';
import type { ReadModels } from '../read-models';
import { readRoute } from '../read-route';
import { ORDER_STATUS_FILTERS, queryOrders, type OrderStatusFilter, type OrdersQuery } from './query';

const CURSOR_KIND = 'orders';

const parseOrdersQuery = (accountId: string, query: Record<string, unknown>): E.Either<ApiError, OrdersQuery> =>
  pipe(
    E.Do,
    E.bind('status', () => pipe(single(query, 'status'), E.chain((raw) =>
      raw === undefined || (ORDER_STATUS_FILTERS as readonly string[]).includes(raw) ? E.right(raw as OrderStatusFilter | undefined)
        : E.left(apiError('VALIDATION_FAILED', `status must be one of ${ORDER_STATUS_FILTERS.join(', ')}`, 'status'))))),
    E.bind('symbol', () => pipe(single(query, 'symbol'), E.chain((raw) =>
      raw === undefined || isWellFormedSymbol(raw) ? E.right(raw) : E.left(apiError('VALIDATION_FAILED', 'symbol is not a ticker symbol', 'symbol'))))),
    E.bind('fromMs', () => pipe(single(query, 'from'), E.chain((raw) => parseInstant(raw, 'from')))),
    E.bind('toMs', () => pipe(single(query, 'to'), E.chain((raw) => parseInstant(raw, 'to')))),
    E.bind('direction', () => pipe(single(query, 'direction'), E.chain((raw) =>
      raw === undefined || raw === 'asc' || raw === 'desc' ? E.right<ApiError, 'asc' | 'desc'>(raw ?? 'desc') : E.left(apiError('VALIDATION_FAILED', 'direction must be asc or desc', 'direction'))))),
    E.bind('limit', () => pipe(single(query, 'limit'), E.chain(parseLimit))),
    E.bind('afterSeq', ({ direction }) => pipe(single(query, 'cursor'), E.chain((raw) => decodeCursor(`${CURSOR_KIND}-${direction}`, raw)))),
    E.map((q) => ({
      accountId, direction: q.direction, limit: q.limit,
      ...(q.status === undefined ? {} : { status: q.status }), ...(q.symbol === undefined ? {} : { symbol: q.symbol }),
      ...(q.fromMs === undefined ? {} : { fromMs: q.fromMs }), ...(q.toMs === undefined ? {} : { toMs: q.toMs }),
      ...(q.afterSeq === undefined ? {} : { afterSeq: q.afterSeq }),
    })),
  );

/**
 * `GET /v1/orders`: the caller's orders from the orders model, filtered by status (exact, `open` or
 * `closed`), symbol and placement time, in keyset pages with an opaque `next_cursor` (null on the last page).
 */
export const createOrdersListRouter = (deps: { readonly models: ReadModels; readonly jwtSecret: string; readonly sessionStore?: Pick<SessionStore, 'revocationOf'> }): Router => {
  const router = Router();
  router.get('/v1/orders', requireBearer(deps.jwtSecret, deps.sessionStore), readRoute(async (req, res) => {
    const parsed = parseOrdersQuery(accountIdOf(res), req.query as Record<string, unknown>);
    if (E.isLeft(parsed)) { sendError(res, parsed.left); return; }
    if (!(await awaitConsistency(req, res, deps.models, [ORDERS_PROJECTION]))) return;
    const page = await queryOrders(deps.models.db, parsed.right);
    res.json({
      orders: page.orders.map(orderJson),
      next_cursor: page.more && page.lastSeq !== null ? encodeCursor(`${CURSOR_KIND}-${parsed.right.direction}`, page.lastSeq) : null,
    });
  }));
  return router;
};
