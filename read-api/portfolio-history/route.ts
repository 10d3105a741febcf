import { Router } from 'express';
import * as E from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import { easternOf } from '../../domain/market-hours/eastern-time';
import { chartTradingDay, isoDate, regularCloseMs, regularOpenMs } from '../../domain/market-hours/trading-days';
import { big } from '../../domain/money';
import { signedCashString } from '../../domain/portfolio/equity';
import { requireBearer } from '../../infrastructure/auth/bearer';
import { accountIdOf } from '../../infrastructure/http/context';
import { sendError } from '../../infrastructure/http/errors';
import type { CandleStore } from '../../infrastructure/market/port';
import type { SessionStore } from '../../infrastructure/sessions/store';
import { EQUITY_PROJECTION } from '../../projections/equity/model';
import { holdingsAsOf, lastFillsAsOf } from '../../projections/equity-snapshots/daily-equity';
import { loadCandleCloses, type CandleCloses } from '../../projections/equity/prices';
import { awaitConsistency } from '../consistency/read-after-write';
import { single } from '../query-params';
import type { ReadModels } from '../read-models';
import { readRoute } from '../read-route';
import { intradayCurve, type EquityPoint } from './intraday';
import { parsePeriod, periodStart, type HistoryPeriod } from './periods';
import { dailyEquity, holdingsChanges } from './query';

export const PORTFOLIO_HISTORY_READS = [EQUITY_PROJECTION] as const;

const pointJson = (point: EquityPoint) => ({ t: new Date(point.atMs).toISOString(), equity: point.equity });

/**
 * `GET /v1/portfolio/history?period=1D|1W|1M|3M|1Y|ALL` (default 1D), the caller's own account only.
 * 1D: 5-minute points of the current (or last) trading day's regular session, computed on demand from the
 * equity model (start-of-day holdings and the day's changes) and the 5-minute candles. Longer periods: the
 * daily close-of-day snapshots. `base_value` is the equity the period starts from (the open, or the last
 * close before the window); `profit_loss` is the last point less it.
 */
export const createPortfolioHistoryRouter = (deps: {
  readonly models: ReadModels;
  readonly jwtSecret: string; readonly sessionStore?: Pick<SessionStore, 'revocationOf'>;
  readonly candles?: CandleStore;
  readonly nowMs?: () => number;
}): Router => {
  const router = Router();
  const nowMs = deps.nowMs ?? (() => Date.now());

  // Market data is AP: a candle store that fails leaves the fills to price the curve rather than failing the read.
  const closesOf = async (symbols: readonly string[], fromMs: number, toMs: number): Promise<Map<string, CandleCloses>> =>
    new Map(await Promise.all(symbols.map(async (symbol) => [symbol, deps.candles === undefined ? []
      : await loadCandleCloses(deps.candles, symbol, fromMs, toMs).catch(() => [])] as const)));

  const intraday = async (accountId: string, now: number) => {
    const day = chartTradingDay(now);
    const openMs = regularOpenMs(day);
    const endMs = Math.min(now, regularCloseMs(day));
    const [start, fills, changes] = await Promise.all([
      holdingsAsOf(deps.models.db, openMs, accountId), lastFillsAsOf(deps.models.db, openMs, accountId), holdingsChanges(deps.models.db, accountId, openMs, endMs),
    ]);
    const held = start.get(accountId);
    const symbols = [...new Set([...(held?.positions ?? []), ...changes.flatMap((c) => c.holdings.positions)].map((p) => p.symbol))].sort();
    const curve = intradayCurve({ start: held, startFills: fills.get(accountId) ?? new Map(), changes, closes: await closesOf(symbols, openMs, endMs), openMs, endMs });
    return { timeframe: '5m', base: curve.base.equity, points: curve.points };
  };

  const daily = async (accountId: string, period: Exclude<HistoryPeriod, '1D'>, now: number) => {
    const start = periodStart(period, easternOf(now).date);
    const { base, days } = await dailyEquity(deps.models.db, accountId, start === null ? null : isoDate(start));
    const points = days.map((d) => ({ atMs: d.closeAtMs, equity: d.equity }));
    return { timeframe: '1D', base: base?.equity ?? points[0]?.equity ?? '0.00', points };
  };

  router.get('/v1/portfolio/history', requireBearer(deps.jwtSecret, deps.sessionStore), readRoute(async (req, res) => {
    const period = pipe(single(req.query as Record<string, unknown>, 'period'), E.chain(parsePeriod));
    if (E.isLeft(period)) { sendError(res, period.left); return; }
    const accountId = accountIdOf(res);
    if (!(await awaitConsistency(req, res, deps.models, PORTFOLIO_HISTORY_READS))) return;
    const now = nowMs();
    const curve = period.right === '1D' ? await intraday(accountId, now) : await daily(accountId, period.right, now);
    const last = curve.points[curve.points.length - 1];
    res.json({
      period: period.right,
      timeframe: curve.timeframe,
      base_value: curve.base,
      profit_loss: signedCashString(big(last?.equity ?? curve.base).minus(curve.base)),
      points: curve.points.map(pointJson),
      as_of: new Date(now).toISOString(),
    });
  }));
  return router;
};
