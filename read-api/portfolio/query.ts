import type { SqlClient } from '../../infrastructure/pg/sql-client';
import { ACTIVITIES_PROJECTION } from '../../projections/activities/model';
import { PORTFOLIO_PROJECTION } from '../../projections/portfolio/model';
import { liveSchemaOf } from '../../projections/runner/projection';

export type PortfolioCash = {
  readonly settled: string;
  readonly unsettled: string;
  readonly pendingDeposits: string;
  readonly withdrawable: string;
  readonly buyingPower: string;
};

export type HeldPosition = {
  readonly symbol: string;
  readonly quantity: string;
  readonly costBasis: string;
  readonly avgCost: string;
  readonly lastFillPrice: string | null;
};

export type PortfolioRows = { readonly cash: PortfolioCash; readonly positions: readonly HeldPosition[] };

const NO_CASH: PortfolioCash = { settled: '0.00', unsettled: '0.00', pendingDeposits: '0.00', withdrawable: '0.00', buyingPower: '0.00' };

export type FillDay = { readonly symbol: string; readonly side: string; readonly atMs: number };

export type PortfolioRead = PortfolioRows & { readonly fills: readonly FillDay[] };

const PORTFOLIO = liveSchemaOf(PORTFOLIO_PROJECTION);
const ACTIVITIES = liveSchemaOf(ACTIVITIES_PROJECTION);

/**
 * Everything a portfolio read needs in one prepared statement, for several accounts at once: one row per
 * id, in the order given. A rebuild's schema swap invalidates the plan; PostgreSQL then plans it again
 * against the new tables.
 */
const PORTFOLIOS_READ = {
  name: 'read_portfolios_v2',
  text: `SELECT
    (SELECT json_build_object('settled', settled, 'unsettled', unsettled, 'pendingDeposits', pending_deposits, 'withdrawable', withdrawable, 'buyingPower', buying_power)
      FROM ${PORTFOLIO}.accounts WHERE account_id = a.id) AS cash,
    (SELECT coalesce(json_agg(json_build_object('symbol', symbol, 'quantity', quantity, 'costBasis', cost_basis, 'avgCost', avg_cost, 'lastFillPrice', last_fill_price) ORDER BY symbol), '[]')
      FROM ${PORTFOLIO}.positions WHERE account_id = a.id) AS positions,
    (SELECT coalesce(json_agg(json_build_object('symbol', symbol, 'side', subtype, 'atMs', at_ms)), '[]')
      FROM ${ACTIVITIES}.activities WHERE account_id = a.id AND type = 'fill' AND at_ms >= $2) AS fills
    FROM unnest($1::uuid[]) WITH ORDINALITY AS a(id, n) ORDER BY a.n`,
} as const;

type PortfolioRow = { cash: PortfolioCash | null; positions: HeldPosition[]; fills: FillDay[] };

/** The reads one statement answers at most; more wait for the next. */
export const PORTFOLIO_READS_PER_STATEMENT_MAX = 64;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Waiting = { readonly accountId: string; resolve(read: PortfolioRead): void; reject(error: unknown): void };

/**
 * The account's cash buckets and positions as the portfolio model holds them, and its fills since
 * `fillsFromMs` (for the day-trade count); an account the models have not seen yet holds nothing.
 *
 * Reads asked for in the same turn of the event loop (a burst of clients polling, whose tokens Redis
 * cleared together) share one statement: one round trip and one execution instead of one each, which
 * was the read's largest cost after HTTP itself. An id that is not a UUID goes alone, so its cast error
 * fails only its own read.
 */
export const createPortfolioReader = (db: SqlClient) => {
  const waiting = new Map<number, Waiting[]>();
  const run = async (fillsFromMs: number, batch: readonly Waiting[]) => {
    try {
      const { rows } = await db.query<PortfolioRow>(PORTFOLIOS_READ, [batch.map((w) => w.accountId), fillsFromMs]);
      batch.forEach((w, index) => {
        const row = rows[index]!;
        w.resolve({ cash: row.cash ?? NO_CASH, positions: row.positions, fills: row.fills });
      });
    } catch (error) {
      for (const w of batch) w.reject(error);
    }
  };
  const flush = () => {
    for (const [fillsFromMs, batch] of waiting) {
      for (let from = 0; from < batch.length; from += PORTFOLIO_READS_PER_STATEMENT_MAX) void run(fillsFromMs, batch.slice(from, from + PORTFOLIO_READS_PER_STATEMENT_MAX));
    }
    waiting.clear();
  };
  return (accountId: string, fillsFromMs: number): Promise<PortfolioRead> => new Promise((resolve, reject) => {
    const read = { accountId, resolve, reject };
    if (!UUID.test(accountId)) { void run(fillsFromMs, [read]); return; }
    if (waiting.size === 0) setImmediate(flush);
    const batch = waiting.get(fillsFromMs);
    if (batch === undefined) waiting.set(fillsFromMs, [read]);
    else batch.push(read);
  });
};
