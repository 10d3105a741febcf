import type { SessionStore } from '../../infrastructure/sessions/store';
import { requireBearer } from '../../infrastructure/auth/bearer';
import { accountIdOf } from '../../infrastructure/http/context';
import { sendJson } from '../../infrastructure/http/send-json';
import type { HotGetRoute } from '../../infrastructure/http/hot-routes';
import type { MarketDataReader } from '../../infrastructure/market/port';
import { ACTIVITIES_PROJECTION } from '../../projections/activities/model';
import { PORTFOLIO_PROJECTION } from '../../projections/portfolio/model';
import { awaitConsistency } from '../consistency/read-after-write';
import type { ReadModels } from '../read-models';
import { readRoute } from '../read-route';
import { dayTradesRemaining, dayTradeWindowStartMs } from './day-trades';
import { equityOf, pricePosition } from './pricing';
import { createPortfolioReader } from './query';

export const PORTFOLIO_READS = [PORTFOLIO_PROJECTION, ACTIVITIES_PROJECTION] as const;

/**
 * `GET /v1/portfolio` in the seed's shape: cash buckets and positions from the portfolio model, each
 * position priced with the market data plane's last quote (else the account's last fill), equity to the cent.
 * A hot route: clients poll it, so the HTTP platform serves it ahead of express's router.
 */
export const portfolioRoute = (deps: {
  readonly models: ReadModels;
  readonly jwtSecret: string; readonly sessionStore?: Pick<SessionStore, 'revocationOf'>;
  readonly market?: MarketDataReader;
  readonly nowMs?: () => number;
}): HotGetRoute => {
  const nowMs = deps.nowMs ?? (() => Date.now());
  const readPortfolio = createPortfolioReader(deps.models.db);
  return { path: '/v1/portfolio', handlers: [requireBearer(deps.jwtSecret, deps.sessionStore), readRoute(async (req, res) => {
    const accountId = accountIdOf(res);
    if (!(await awaitConsistency(req, res, deps.models, PORTFOLIO_READS))) return;
    const now = nowMs();
    const rows = await readPortfolio(accountId, dayTradeWindowStartMs(now));
    // Market data is AP: a quote store that fails prices from the last fill rather than failing the read.
    const quotes = deps.market === undefined || rows.positions.length === 0 ? []
      : await deps.market.lastQuotes(rows.positions.map((p) => p.symbol)).catch(() => []);
    const positions = rows.positions.map((position, index) => pricePosition(position, quotes[index]));
    sendJson(req, res, {
      equity: equityOf(rows.cash, positions),
      cash: { settled: rows.cash.settled, unsettled: rows.cash.unsettled, withdrawable: rows.cash.withdrawable },
      buying_power: rows.cash.buyingPower,
      day_trades_remaining: dayTradesRemaining(rows.fills),
      positions,
      as_of: new Date(now).toISOString(),
    });
  })] };
};
