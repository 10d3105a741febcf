import { cashBuckets, positions, type AccountState } from '../../domain/account';
import type { SqlClient } from '../../infrastructure/pg/sql-client';
import { accountModelProjection, type AccountModel, type AccountModelOptions } from '../account-fold/account-model';
import { inChunks } from '../account-fold/chunks';
import { accountStateTableSql } from '../account-fold/fold-states';
import type { Projection } from '../runner/projection';

export const PORTFOLIO_PROJECTION = 'portfolio';

/**
 * The portfolio read model: per account its cash buckets (the decider's own formulas), per position
 * its quantity, cost basis, average cost, realized P&L and the price of the account's last fill of
 * the symbol (what prices the position when the market data plane has no quote).
 */
export const migratePortfolio = async (db: SqlClient, schema: string): Promise<void> => {
  await db.query({ text: accountStateTableSql(schema) });
  await db.query({ text: `CREATE TABLE IF NOT EXISTS ${schema}.accounts (
    account_id uuid PRIMARY KEY,
    settled text NOT NULL,
    unsettled text NOT NULL,
    instant_credit text NOT NULL,
    pending_deposits text NOT NULL,
    reserved text NOT NULL,
    holds text NOT NULL,
    withdrawable text NOT NULL,
    buying_power text NOT NULL,
    position bigint NOT NULL,
    updated_at_ms bigint NOT NULL
  )` });
  await db.query({ text: `CREATE TABLE IF NOT EXISTS ${schema}.positions (
    account_id uuid NOT NULL,
    symbol text NOT NULL,
    quantity text NOT NULL,
    reserved_quantity text NOT NULL,
    cost_basis text NOT NULL,
    avg_cost text NOT NULL,
    realized_pnl text NOT NULL,
    last_fill_price text,
    PRIMARY KEY (account_id, symbol)
  )` });
};

/** Per account touched: its state after the last step, that step's position and time, and the last fill price per symbol. */
type Touched = { state: AccountState; position: bigint; atMs: number; readonly lastFillPrice: Map<string, string> };
type PortfolioChanges = Map<string, Touched>;

/** Rows per statement when writing many accounts (a rebuild): each parameter array stays a few megabytes. */
const WRITE_CHUNK_ACCOUNTS = 5_000;

const writeAccounts = async (tx: SqlClient, schema: string, changes: PortfolioChanges, accountIds: readonly string[]): Promise<void> => {
  const cash = accountIds.map((id) => cashBuckets(changes.get(id)!.state));
  const open = accountIds.filter((_, index) => cash[index] !== null);
  const buckets = cash.filter((c) => c !== null);
  await tx.query({
    text: `INSERT INTO ${schema}.accounts (account_id, settled, unsettled, instant_credit, pending_deposits, reserved, holds, withdrawable, buying_power, position, updated_at_ms)
      SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::bigint[], $11::bigint[])
      ON CONFLICT (account_id) DO UPDATE SET settled = EXCLUDED.settled, unsettled = EXCLUDED.unsettled, instant_credit = EXCLUDED.instant_credit,
        pending_deposits = EXCLUDED.pending_deposits, reserved = EXCLUDED.reserved, holds = EXCLUDED.holds, withdrawable = EXCLUDED.withdrawable,
        buying_power = EXCLUDED.buying_power, position = EXCLUDED.position, updated_at_ms = EXCLUDED.updated_at_ms`,
  }, [
    open, buckets.map((c) => c.settled), buckets.map((c) => c.unsettled), buckets.map((c) => c.instantCredit), buckets.map((c) => c.pendingDeposits),
    buckets.map((c) => c.reserved), buckets.map((c) => c.holds), buckets.map((c) => c.withdrawable), buckets.map((c) => c.buyingPower),
    open.map((id) => changes.get(id)!.position.toString()), open.map((id) => changes.get(id)!.atMs),
  ]);
  const rows = open.flatMap((accountId) => {
    const entry = changes.get(accountId)!;
    return positions(entry.state).map((p) => ({ accountId, ...p, lastFillPrice: entry.lastFillPrice.get(p.symbol) ?? null }));
  });
  // One statement: the touched accounts' positions are replaced by the fold's (positions sold to zero disappear),
  // keeping an earlier write's last fill price where these changes had no fill of the symbol.
  await tx.query({
    text: `WITH gone AS (DELETE FROM ${schema}.positions WHERE account_id = ANY($1::uuid[]) RETURNING account_id, symbol, last_fill_price)
      INSERT INTO ${schema}.positions (account_id, symbol, quantity, reserved_quantity, cost_basis, avg_cost, realized_pnl, last_fill_price)
      SELECT u.account_id, u.symbol, u.quantity, u.reserved_quantity, u.cost_basis, u.avg_cost, u.realized_pnl, COALESCE(u.last_fill_price, gone.last_fill_price)
      FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
        AS u(account_id, symbol, quantity, reserved_quantity, cost_basis, avg_cost, realized_pnl, last_fill_price)
      LEFT JOIN gone ON gone.account_id = u.account_id AND gone.symbol = u.symbol`,
  }, [
    open, rows.map((r) => r.accountId), rows.map((r) => r.symbol), rows.map((r) => r.quantity), rows.map((r) => r.reservedQuantity),
    rows.map((r) => r.costBasis), rows.map((r) => r.avgCost), rows.map((r) => r.realizedPnl), rows.map((r) => r.lastFillPrice),
  ]);
};

export const portfolioModel: AccountModel<PortfolioChanges> = {
  name: PORTFOLIO_PROJECTION,
  migrate: migratePortfolio,
  changes: () => new Map(),
  note: (changes, step) => {
    let entry = changes.get(step.accountId);
    if (entry === undefined) { entry = { state: step.state, position: 0n, atMs: 0, lastFillPrice: new Map() }; changes.set(step.accountId, entry); }
    entry.state = step.state;
    entry.position = step.recorded.position;
    entry.atMs = step.event.data.atMs;
    if (step.event.type === 'OrderFilled') entry.lastFillPrice.set(step.event.data.symbol, step.event.data.price);
  },
  size: (changes) => changes.size,
  write: (tx, schema, changes) => inChunks([...changes.keys()], WRITE_CHUNK_ACCOUNTS, (accountIds) => writeAccounts(tx, schema, changes, accountIds)),
};

export const createPortfolioProjection = (options?: AccountModelOptions): Projection => accountModelProjection(portfolioModel, options);
