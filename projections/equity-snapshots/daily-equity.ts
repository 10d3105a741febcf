import { regularCloseMs, isoDate } from '../../domain/market-hours/trading-days';
import type { CivilDate } from '../../domain/market-hours/eastern-time';
import type { Holdings } from '../../domain/portfolio/equity';
import type { EventStore } from '../../infrastructure/event-store/port';
import type { CandleStore, MarketDataReader } from '../../infrastructure/market/port';
import { quotePrice } from '../../infrastructure/market/quote-price';
import type { SqlClient } from '../../infrastructure/pg/sql-client';
import { EQUITY_PROJECTION } from '../equity/model';
import { equityAt, loadCandleCloses, type CandleCloses } from '../equity/prices';
import { waitForProjections } from '../runner/catch-up';
import { liveSchemaOf } from '../runner/projection';

/** The snapshots are a job's output, not a projection's: they keep their own schema, untouched by a rebuild of the equity model. */
export const SNAPSHOTS_SCHEMA = 'rm_equity_snapshots';
/** A snapshot taken this soon after the close prices positions with the live quotes (the close itself); later ones with candles. */
export const LIVE_QUOTE_WINDOW_MS = 15 * 60_000;
/** How long a snapshot waits for the equity model to apply what was committed before it started. */
export const CATCH_UP_WAIT_MS = 5_000;

export const migrateSnapshots = async (db: SqlClient): Promise<void> => {
  await db.query({ text: `CREATE SCHEMA IF NOT EXISTS ${SNAPSHOTS_SCHEMA}` });
  await db.query({ text: `CREATE TABLE IF NOT EXISTS ${SNAPSHOTS_SCHEMA}.daily_equity (
    account_id uuid NOT NULL,
    day date NOT NULL,
    close_at_ms bigint NOT NULL,
    cash text NOT NULL,
    equity text NOT NULL,
    positions jsonb NOT NULL,
    taken_at_ms bigint NOT NULL,
    PRIMARY KEY (account_id, day)
  )` });
  await db.query({ text: `CREATE TABLE IF NOT EXISTS ${SNAPSHOTS_SCHEMA}.days_taken (day date PRIMARY KEY, accounts integer NOT NULL, taken_at_ms bigint NOT NULL)` });
};

export type SnapshotDeps = {
  readonly db: SqlClient;
  readonly store: EventStore;
  readonly candles: CandleStore;
  /** Live quotes; used only within LIVE_QUOTE_WINDOW_MS of the close. */
  readonly quotes?: MarketDataReader;
  readonly nowMs: number;
};

export type SnapshotOutcome = { readonly kind: 'taken'; readonly accounts: number; readonly written: number } | { readonly kind: 'behind'; readonly position: bigint };

/** Every account's holdings as of `atMs` (its last holdings row at or before then). */
export const holdingsAsOf = async (db: SqlClient, atMs: number, accountId?: string): Promise<Map<string, Holdings>> => {
  const schema = liveSchemaOf(EQUITY_PROJECTION);
  const { rows } = await db.query<{ account_id: string; cash: string; positions: Holdings['positions'] }>({
    text: `SELECT DISTINCT ON (account_id) account_id::text, cash, positions FROM ${schema}.holdings
      WHERE at_ms <= $1 ${accountId === undefined ? '' : 'AND account_id = $2'} ORDER BY account_id, at_ms DESC, position DESC`,
  }, accountId === undefined ? [atMs] : [atMs, accountId]);
  return new Map(rows.map((row) => [row.account_id, { cash: row.cash, positions: row.positions }]));
};

/** Every account's last fill price per symbol as of `atMs`. */
export const lastFillsAsOf = async (db: SqlClient, atMs: number, accountId?: string): Promise<Map<string, Map<string, string>>> => {
  const schema = liveSchemaOf(EQUITY_PROJECTION);
  const { rows } = await db.query<{ account_id: string; fill_symbol: string; fill_price: string }>({
    text: `SELECT DISTINCT ON (account_id, fill_symbol) account_id::text, fill_symbol, fill_price FROM ${schema}.holdings
      WHERE fill_symbol IS NOT NULL AND at_ms <= $1 ${accountId === undefined ? '' : 'AND account_id = $2'} ORDER BY account_id, fill_symbol, at_ms DESC, position DESC`,
  }, accountId === undefined ? [atMs] : [atMs, accountId]);
  const fills = new Map<string, Map<string, string>>();
  for (const row of rows) {
    const account = fills.get(row.account_id) ?? new Map<string, string>();
    account.set(row.fill_symbol, row.fill_price);
    fills.set(row.account_id, account);
  }
  return fills;
};

/**
 * Takes the close-of-day equity of every account for `day`: what it held at the regular close (the equity
 * model, once it has applied everything committed before the job started), each position priced with the
 * live quote when the job runs at the close, else the last 5-minute candle's close, else the account's last
 * fill, else its cost. Idempotent per (account, day): a row once written is never changed, so a rerun fills
 * only what a failed run left out, and a backfill of past days prices from candles alone.
 */
export const takeDailySnapshots = async (deps: SnapshotDeps, day: CivilDate): Promise<SnapshotOutcome> => {
  await migrateSnapshots(deps.db);
  const head = (await deps.store.headPosition()).position;
  const caught = await waitForProjections(deps.db, [EQUITY_PROJECTION], head, CATCH_UP_WAIT_MS);
  if (!caught.reached) return { kind: 'behind', position: caught.position };
  const closeMs = regularCloseMs(day);
  const [holdings, fills] = await Promise.all([holdingsAsOf(deps.db, closeMs), lastFillsAsOf(deps.db, closeMs)]);
  const symbols = [...new Set([...holdings.values()].flatMap((h) => h.positions.map((p) => p.symbol)))].sort();
  const live = deps.quotes !== undefined && deps.nowMs >= closeMs && deps.nowMs - closeMs <= LIVE_QUOTE_WINDOW_MS;
  const quotes = new Map<string, string>();
  const closes = new Map<string, CandleCloses>();
  for (const symbol of symbols) {
    if (live) {
      // Market data is AP: a quote store that fails leaves the candles to price the close.
      const price = quotePrice(await deps.quotes!.lastQuote(symbol).catch(() => undefined));
      if (price !== null) quotes.set(symbol, price);
    }
    closes.set(symbol, await loadCandleCloses(deps.candles, symbol, closeMs, closeMs));
  }
  const rows = [...holdings].map(([accountId, held]) => ({ accountId, held, valued: equityAt(held, closeMs, { closes, quotes, lastFills: fills.get(accountId) ?? new Map() }) }));
  const written = rows.length === 0 ? 0 : (await deps.db.query({
    text: `INSERT INTO ${SNAPSHOTS_SCHEMA}.daily_equity (account_id, day, close_at_ms, cash, equity, positions, taken_at_ms)
      SELECT u.account_id, $1::date, $2, u.cash, u.equity, u.positions, $3 FROM unnest($4::uuid[], $5::text[], $6::text[], $7::jsonb[]) AS u(account_id, cash, equity, positions)
      ON CONFLICT (account_id, day) DO NOTHING RETURNING account_id`,
  }, [isoDate(day), closeMs, deps.nowMs, rows.map((r) => r.accountId), rows.map((r) => r.held.cash), rows.map((r) => r.valued.equity), rows.map((r) => JSON.stringify(r.valued.positions))])).rows.length;
  await deps.db.query({
    text: `INSERT INTO ${SNAPSHOTS_SCHEMA}.days_taken (day, accounts, taken_at_ms) VALUES ($1::date, $2, $3) ON CONFLICT (day) DO NOTHING`,
  }, [isoDate(day), rows.length, deps.nowMs]);
  return { kind: 'taken', accounts: rows.length, written };
};

export const isDayTaken = async (db: SqlClient, day: CivilDate): Promise<boolean> => {
  await migrateSnapshots(db);
  const { rows } = await db.query({ text: `SELECT 1 FROM ${SNAPSHOTS_SCHEMA}.days_taken WHERE day = $1::date` }, [isoDate(day)]);
  return rows.length > 0;
};
