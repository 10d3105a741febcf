import type { Router } from 'express';
import type { MarketHours } from '../domain/market-hours/calendar';
import { createAccounts } from '../commands/accounts/account-stream';
import { openAccountWith } from '../commands/accounts/open-account';
import { createOrdersRouter } from '../commands/orders/router';
import { createTransfersRouter } from '../commands/transfers/router';
import { createUsersRouter } from '../commands/users/router';
import { findAsset } from '../domain/market/catalog';
import type { Throttle } from '../infrastructure/auth/throttle';
import { createInMemorySessionStore } from '../infrastructure/sessions/in-memory-store';
import type { SessionStore } from '../infrastructure/sessions/store';
import type { BuyingPowerStore } from '../infrastructure/buying-power/port';
import type { EventStore } from '../infrastructure/event-store/port';
import type { ReadinessCheck } from '../infrastructure/http/health';
import { createHttpApp, type HttpApp } from '../infrastructure/http/server';
import type { IdempotencyStore } from '../infrastructure/idempotency/store';
import type { Logger } from '../infrastructure/logging';
import type { CandleStore, MarketDataReader } from '../infrastructure/market/port';
import type { Metrics } from '../infrastructure/metrics';
import { createActivitiesRouter } from '../read-api/activities/route';
import { createAssetsRouter } from '../read-api/assets/route';
import { createComplianceReplayRouter } from '../read-api/compliance-replay/route';
import { queryOrderHistory } from '../read-api/orders/query';
import { createOrdersListRouter } from '../read-api/orders/route';
import { createPortfolioRouter } from '../read-api/portfolio/route';
import { createPortfolioHistoryRouter } from '../read-api/portfolio-history/route';
import type { ReadModels } from '../read-api/read-models';
import { ERROR_STATUSES } from './error-statuses';
import { buildOpenApiDocument } from './openapi/document';
import { createMarketRouter } from '../read-api/market/route';

export type TradingApiDeps = {
  readonly store: EventStore;
  readonly idempotencyStore: IdempotencyStore;
  readonly jwtSecret: string;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Market data for pre-trade checks and the market REST routes; trading works without it. */
  readonly market?: { readonly reader: MarketDataReader; readonly candles: CandleStore };
  readonly nowMs?: () => number;
  readonly marketHours?: MarketHours;
  /** How long a completed request's response is replayed for its Idempotency-Key. */
  readonly idempotencyTtlMs?: number;
  readonly readiness?: ReadinessCheck;
  readonly resources?: ReadonlyArray<{ readonly name: string; close(): Promise<void> }>;
  readonly jsonBodyBytesMax?: number;
  readonly shutdownGraceMs?: number;
  /** Login and sign-up throttles (Redis-backed in distributed mode); in-memory with default limits when absent. */
  readonly throttle?: Throttle;
  /** Refresh-token families and the revocation list (Redis in distributed mode); in-memory when absent. */
  readonly sessionStore?: SessionStore;
  readonly trustedProxies?: readonly string[];
  readonly corsOrigins?: readonly string[];
  /** The projections' tables: the query routes (`GET /v1/orders`, `/v1/portfolio`, `/v1/account/activities`) are served only with them. */
  readonly readModels?: ReadModels;
  /** The buying power read model (Redis, or in memory): a buy obviously over it is refused before the account is loaded. */
  readonly buyingPower?: BuyingPowerStore;
};

/** The REST API of the trading plane (plus the market data read routes), wired to its ports. */
export const createTradingApi = (deps: TradingApiDeps): HttpApp => {
  const accounts = createAccounts(deps.store, { metrics: deps.metrics, logger: deps.logger });
  const sessionStore = deps.sessionStore ?? createInMemorySessionStore();
  const common = { sessionStore, store: deps.store, accounts, idempotencyStore: deps.idempotencyStore, jwtSecret: deps.jwtSecret, logger: deps.logger, metrics: deps.metrics, ...(deps.nowMs ? { nowMs: deps.nowMs } : {}), ...(deps.marketHours ? { marketHours: deps.marketHours } : {}), ...(deps.idempotencyTtlMs !== undefined ? { idempotencyTtlMs: deps.idempotencyTtlMs } : {}) };
  const routers: Router[] = [
    createUsersRouter({
      ...common, openAccount: openAccountWith(accounts), ...(deps.throttle ? { throttle: deps.throttle } : {}),
      emailOfAccount: async (accountId) => { const state = await accounts.load(accountId); return state.status === 'open' ? state.email : undefined; },
    }),
    createTransfersRouter(common),
    createOrdersRouter({
      ...common, ...(deps.market ? { market: deps.market.reader } : {}), ...(deps.buyingPower ? { buyingPower: deps.buyingPower } : {}),
      ...(deps.readModels ? { orderHistory: (accountId: string, orderId: string) => queryOrderHistory(deps.readModels!.db, accountId, orderId) } : {}),
    }),
    createAssetsRouter(),
    createComplianceReplayRouter({ store: deps.store, jwtSecret: deps.jwtSecret, sessionStore, ...(deps.nowMs ? { nowMs: deps.nowMs } : {}) }),
  ];
  if (deps.readModels) {
    const read = { models: deps.readModels, jwtSecret: deps.jwtSecret, sessionStore };
    routers.push(
      createOrdersListRouter(read),
      createPortfolioRouter({ ...read, ...(deps.market ? { market: deps.market.reader } : {}), ...(deps.nowMs ? { nowMs: deps.nowMs } : {}) }),
      createActivitiesRouter(read),
      createPortfolioHistoryRouter({ ...read, ...(deps.market ? { candles: deps.market.candles } : {}), ...(deps.nowMs ? { nowMs: deps.nowMs } : {}) }),
    );
  }
  if (deps.market) {
    routers.push(createMarketRouter({
      reader: deps.market.reader, candles: deps.market.candles, isKnownSymbol: (symbol) => findAsset(symbol) !== undefined,
      ...(deps.nowMs ? { nowMs: deps.nowMs } : {}),
    }));
  }
  return createHttpApp({
    logger: deps.logger, routers, openApiDocument: buildOpenApiDocument(), errorStatuses: ERROR_STATUSES, metrics: deps.metrics,
    ...(deps.readiness ? { readiness: deps.readiness } : {}),
    ...(deps.resources ? { resources: deps.resources } : {}),
    ...(deps.jsonBodyBytesMax !== undefined ? { jsonBodyBytesMax: deps.jsonBodyBytesMax } : {}),
    ...(deps.shutdownGraceMs !== undefined ? { shutdownGraceMs: deps.shutdownGraceMs } : {}),
    ...(deps.trustedProxies ? { trustedProxies: deps.trustedProxies } : {}),
    ...(deps.corsOrigins ? { corsOrigins: deps.corsOrigins } : {}),
  });
};
