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
 * Everything a portfolio read needs in one prepared statement: one round trip and one pooled connection
 * per read, where three queries took three. A rebuild's schema swap invalidates the plan; PostgreSQL then
 * plans it again against the new tables.
 */
const PORTFOLIO_READ = {
  name: 'read_portfolio_v1',
  text: `SELECT
    (SELECT json_build_object('settled', settled, 'unsettled', unsettled, 'pendingDeposits', pending_deposits, 'withdrawable', withdrawable, 'buyingPower', buying_power)
      FROM ${PORTFOLIO}.accounts WHERE account_id = $1) AS cash,
    (SELECT coalesce(json_agg(json_build_object('symbol', symbol, 'quantity', quantity, 'costBasis', cost_basis, 'avgCost', avg_cost, 'lastFillPrice', last_fill_price) ORDER BY symbol), '[]')
      FROM ${PORTFOLIO}.positions WHERE account_id = $1) AS positions,
    (SELECT coalesce(json_agg(json_build_object('symbol', symbol, 'side', subtype, 'atMs', at_ms)), '[]')
      FROM ${ACTIVITIES}.activities WHERE account_id = $1 AND type = 'fill' AND at_ms >= $2) AS fills`,
} as const;

/**
 * The account's cash buckets and positions as the portfolio model holds them, and its fills since
 * `fillsFromMs` (for the day-trade count); an account the models have not seen yet holds nothing.
 */
export const queryPortfolio = async (db: SqlClient, accountId: string, fillsFromMs: number): Promise<PortfolioRead> => {
  const { rows } = await db.query<{ cash: PortfolioCash | null; positions: HeldPosition[]; fills: FillDay[] }>(PORTFOLIO_READ, [accountId, fillsFromMs]);
  const row = rows[0]!;
  return { cash: row.cash ?? NO_CASH, positions: row.positions, fills: row.fills };
};
