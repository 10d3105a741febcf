import type { Holdings } from '../../domain/portfolio/equity';
import type { SqlClient } from '../../infrastructure/pg/sql-client';
import { EQUITY_PROJECTION } from '../../projections/equity/model';
import { SNAPSHOTS_SCHEMA } from '../../projections/equity-snapshots/daily-equity';
import { liveSchemaOf } from '../../projections/runner/projection';

/** Longer periods show at most this many daily points (about ten years of trading days). */
export const DAILY_POINTS_MAX = 2_600;

export type HoldingsChange = { readonly atMs: number; readonly holdings: Holdings; readonly fillSymbol: string | null; readonly fillPrice: string | null };

/** The account's holdings changes in (fromMs, toMs], in the order they happened. */
export const holdingsChanges = async (db: SqlClient, accountId: string, fromMs: number, toMs: number): Promise<HoldingsChange[]> => {
  const { rows } = await db.query<{ at_ms: string; cash: string; positions: Holdings['positions']; fill_symbol: string | null; fill_price: string | null }>({
    text: `SELECT at_ms::text, cash, positions, fill_symbol, fill_price FROM ${liveSchemaOf(EQUITY_PROJECTION)}.holdings
      WHERE account_id = $1 AND at_ms > $2 AND at_ms <= $3 ORDER BY at_ms, position`,
  }, [accountId, fromMs, toMs]);
  return rows.map((row) => ({ atMs: Number(row.at_ms), holdings: { cash: row.cash, positions: row.positions }, fillSymbol: row.fill_symbol, fillPrice: row.fill_price }));
};

export type DailyEquity = { readonly day: string; readonly closeAtMs: number; readonly equity: string };

/**
 * The account's daily snapshots after `afterDay` (all when null), oldest first, and the last one on or
 * before it (the period's base).
 */
export const dailyEquity = async (db: SqlClient, accountId: string, afterDay: string | null): Promise<{ readonly base: DailyEquity | null; readonly days: DailyEquity[] }> => {
  const table = `${SNAPSHOTS_SCHEMA}.daily_equity`;
  const exists = await db.query({ text: `SELECT to_regclass($1) IS NOT NULL AS present` }, [table]);
  if ((exists.rows[0] as { present: boolean } | undefined)?.present !== true) return { base: null, days: [] };
  const shape = (row: { day: string; close_at_ms: string; equity: string }): DailyEquity => ({ day: row.day, closeAtMs: Number(row.close_at_ms), equity: row.equity });
  const [days, base] = await Promise.all([
    db.query<{ day: string; close_at_ms: string; equity: string }>({
      text: `SELECT * FROM (SELECT to_char(day, 'YYYY-MM-DD') AS day, close_at_ms::text, equity FROM ${table}
        WHERE account_id = $1 AND ($2::date IS NULL OR day > $2::date) ORDER BY day DESC LIMIT $3) newest ORDER BY day`,
    }, [accountId, afterDay, DAILY_POINTS_MAX]),
    afterDay === null ? Promise.resolve({ rows: [] as Array<{ day: string; close_at_ms: string; equity: string }> })
      : db.query<{ day: string; close_at_ms: string; equity: string }>({
        text: `SELECT to_char(day, 'YYYY-MM-DD') AS day, close_at_ms::text, equity FROM ${table} WHERE account_id = $1 AND day <= $2::date ORDER BY day DESC LIMIT 1`,
      }, [accountId, afterDay]),
  ]);
  return { base: base.rows[0] === undefined ? null : shape(base.rows[0]), days: days.rows.map(shape) };
};
