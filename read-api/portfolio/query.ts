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

/** The account's cash buckets and positions as the portfolio model holds them; an account it has not seen yet holds nothing. */
export const queryPortfolio = async (db: SqlClient, accountId: string): Promise<PortfolioRows> => {
  const schema = liveSchemaOf(PORTFOLIO_PROJECTION);
  const [cash, held] = await Promise.all([
    db.query<Record<string, string>>({ text: `SELECT settled, unsettled, pending_deposits, withdrawable, buying_power FROM ${schema}.accounts WHERE account_id = $1` }, [accountId]),
    db.query<Record<string, string | null>>({ text: `SELECT symbol, quantity, cost_basis, avg_cost, last_fill_price FROM ${schema}.positions WHERE account_id = $1 ORDER BY symbol` }, [accountId]),
  ]);
  const row = cash.rows[0];
  return {
    cash: row === undefined ? NO_CASH
      : { settled: row.settled!, unsettled: row.unsettled!, pendingDeposits: row.pending_deposits!, withdrawable: row.withdrawable!, buyingPower: row.buying_power! },
    positions: held.rows.map((p) => ({ symbol: p.symbol!, quantity: p.quantity!, costBasis: p.cost_basis!, avgCost: p.avg_cost!, lastFillPrice: p.last_fill_price ?? null })),
  };
};

export type FillDay = { readonly symbol: string; readonly side: string; readonly atMs: number };

/** The account's fills since `fromMs` (for the day-trade count). */
export const queryFillsSince = async (db: SqlClient, accountId: string, fromMs: number): Promise<FillDay[]> => {
  const schema = liveSchemaOf(ACTIVITIES_PROJECTION);
  const { rows } = await db.query<{ symbol: string; subtype: string; at_ms: string }>({
    text: `SELECT symbol, subtype, at_ms::text AS at_ms FROM ${schema}.activities WHERE account_id = $1 AND type = 'fill' AND at_ms >= $2`,
  }, [accountId, fromMs]);
  return rows.map((row) => ({ symbol: row.symbol, side: row.subtype, atMs: Number(row.at_ms) }));
};
