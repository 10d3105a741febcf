import type { Router } from 'express';
import type { MarketHours } from '../domain/market-hours/calendar';
import { createAccounts } from '../commands/accounts/account-stream';
import { openAccountWith } from '../commands/accounts/open-account';
import { createOrdersRouter } from '../commands/orders/router';
import { createTransfersRouter } from '../commands/transfers/router';
import { createUsersRouter } from '../commands/users/router';
import { findAsset } from '../domain/market/catalog';
import { createThrottle, type Throttle } from '../infrastructure/auth/throttle';
import { createSecurityLog } from '../commands/users/security-log';
import { createTwoFactor } from '../commands/users/two-factor';
import { createUsers } from '../commands/users/user-stream';
import { requireCodeForLargeWithdrawals } from '../commands/transfers/withdrawal-second-factor';
import { mfaKeysFrom } from '../infrastructure/mfa/secret-box';
import type { RevocationNotifier } from '../infrastructure/sessions/revocation-notice';
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
import { portfolioRoute } from '../read-api/portfolio/route';
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
  /** Told of every revoked session: publishes on the bus the streaming nodes listen to, so its sockets close at once. */
  readonly onRevoked?: RevocationNotifier;
  /** MFA_KEY: seals TOTP secrets at rest and keys the recovery codes' HMAC; the JWT secret's when absent. */
  readonly mfaKey?: string;
  /** MFA_WITHDRAWAL_THRESHOLD: withdrawals above it need a 2FA code from users who have 2FA on. */
  readonly mfaWithdrawalThresholdDecimal?: string;
  /** The projections' tables: the query routes (`GET /v1/orders`, `/v1/portfolio`, `/v1/account/activities`) are served only with them. */
  readonly readModels?: ReadModels;
  /** The buying power read model (Redis, or in memory): a buy obviously over it is refused before the account is loaded. */
  readonly buyingPower?: BuyingPowerStore;
};

/** The REST API of the trading plane (plus the market data read routes), wired to its ports. */
/** A withdrawal above this needs a second factor when none is configured: the seed's instant-credit limit. */
export const MFA_WITHDRAWAL_THRESHOLD_DEFAULT = '1000.00';

export const createTradingApi = (deps: TradingApiDeps): HttpApp => {
  const accounts = createAccounts(deps.store, { metrics: deps.metrics, logger: deps.logger });
  const sessionStore = deps.sessionStore ?? createInMemorySessionStore();
  const throttle = deps.throttle ?? createThrottle();
  const emailOfAccount = async (accountId: string) => { const state = await accounts.load(accountId); return state.status === 'open' ? state.email : undefined; };
  const twoFactor = createTwoFactor({ users: createUsers(deps.store), keys: mfaKeysFrom(deps.mfaKey ?? deps.jwtSecret), throttle, securityLog: createSecurityLog(deps.store) });
  const withdrawalGate = requireCodeForLargeWithdrawals({
    thresholdDecimal: deps.mfaWithdrawalThresholdDecimal ?? MFA_WITHDRAWAL_THRESHOLD_DEFAULT, accounts, twoFactor, emailOfAccount, nowMs: deps.nowMs ?? (() => Date.now()),
  });
  const common = { sessionStore, store: deps.store, accounts, idempotencyStore: deps.idempotencyStore, jwtSecret: deps.jwtSecret, logger: deps.logger, metrics: deps.metrics, ...(deps.nowMs ? { nowMs: deps.nowMs } : {}), ...(deps.marketHours ? { marketHours: deps.marketHours } : {}), ...(deps.idempotencyTtlMs !== undefined ? { idempotencyTtlMs: deps.idempotencyTtlMs } : {}) };
  const routers: Router[] = [
    createUsersRouter({
      ...common, openAccount: openAccountWith(accounts), throttle, emailOfAccount,
      ...(deps.onRevoked ? { onRevoked: deps.onRevoked } : {}), ...(deps.mfaKey !== undefined ? { mfaKey: deps.mfaKey } : {}),
    }),
    createTransfersRouter({ ...common, withdrawalGate }),
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
      createActivitiesRouter(read),
      createPortfolioHistoryRouter({ ...read, ...(deps.market ? { candles: deps.market.candles } : {}), ...(deps.nowMs ? { nowMs: deps.nowMs } : {}) }),
    );
  }
  const hotGetRoutes = deps.readModels ? [
    portfolioRoute({ models: deps.readModels, jwtSecret: deps.jwtSecret, sessionStore, ...(deps.market ? { market: deps.market.reader } : {}), ...(deps.nowMs ? { nowMs: deps.nowMs } : {}) }),
  ] : [];
  if (deps.market) {
    routers.push(createMarketRouter({
      reader: deps.market.reader, candles: deps.market.candles, isKnownSymbol: (symbol) => findAsset(symbol) !== undefined,
      ...(deps.nowMs ? { nowMs: deps.nowMs } : {}),
    }));
  }
  return createHttpApp({
    logger: deps.logger, routers, hotGetRoutes, openApiDocument: buildOpenApiDocument(), errorStatuses: ERROR_STATUSES, metrics: deps.metrics,
    ...(deps.readiness ? { readiness: deps.readiness } : {}),
    ...(deps.resources ? { resources: deps.resources } : {}),
    ...(deps.jsonBodyBytesMax !== undefined ? { jsonBodyBytesMax: deps.jsonBodyBytesMax } : {}),
    ...(deps.shutdownGraceMs !== undefined ? { shutdownGraceMs: deps.shutdownGraceMs } : {}),
    ...(deps.trustedProxies ? { trustedProxies: deps.trustedProxies } : {}),
    ...(deps.corsOrigins ? { corsOrigins: deps.corsOrigins } : {}),
  });
};
