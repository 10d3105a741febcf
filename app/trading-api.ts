import type { Router } from 'express';
import { createAccounts } from '../commands/accounts/account-stream';
import { openAccountWith } from '../commands/accounts/open-account';
import { createOrdersRouter } from '../commands/orders/router';
import { createTransfersRouter } from '../commands/transfers/router';
import { createUsersRouter } from '../commands/users/router';
import { findAsset } from '../domain/market/catalog';
import type { EventStore } from '../infrastructure/event-store/port';
import type { ReadinessCheck } from '../infrastructure/http/health';
import { createHttpApp, type HttpApp } from '../infrastructure/http/server';
import type { IdempotencyStore } from '../infrastructure/idempotency/store';
import type { Logger } from '../infrastructure/logging';
import type { CandleStore, MarketDataReader } from '../infrastructure/market/port';
import type { Metrics } from '../infrastructure/metrics';
import { createAssetsRouter } from '../read-api/assets/route';
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
  /** How long a completed request's response is replayed for its Idempotency-Key. */
  readonly idempotencyTtlMs?: number;
  readonly readiness?: ReadinessCheck;
  readonly resources?: ReadonlyArray<{ readonly name: string; close(): Promise<void> }>;
  readonly jsonBodyBytesMax?: number;
  readonly shutdownGraceMs?: number;
};

/** The REST API of the trading plane (plus the market data read routes), wired to its ports. */
export const createTradingApi = (deps: TradingApiDeps): HttpApp => {
  const accounts = createAccounts(deps.store, { metrics: deps.metrics, logger: deps.logger });
  const common = { store: deps.store, accounts, idempotencyStore: deps.idempotencyStore, jwtSecret: deps.jwtSecret, logger: deps.logger, metrics: deps.metrics, ...(deps.nowMs ? { nowMs: deps.nowMs } : {}), ...(deps.idempotencyTtlMs !== undefined ? { idempotencyTtlMs: deps.idempotencyTtlMs } : {}) };
  const routers: Router[] = [
    createUsersRouter({ ...common, openAccount: openAccountWith(accounts) }),
    createTransfersRouter(common),
    createOrdersRouter({ ...common, ...(deps.market ? { market: deps.market.reader } : {}) }),
    createAssetsRouter(),
  ];
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
  });
};
