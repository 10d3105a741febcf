import { cashBuckets, positions, type AccountEvent, type AccountState } from '../../domain/account';
import { big } from '../../domain/money';
import { signedCashString, type Holdings } from '../../domain/portfolio/equity';
import type { RecordedEvent } from '../../infrastructure/event-store/port';
import type { SqlClient } from '../../infrastructure/pg/sql-client';
import { accountFacts } from '../account-fold/account-events';
import { accountStateTableSql, createFoldStates } from '../account-fold/fold-states';
import type { Projection } from '../runner/projection';

export const EQUITY_PROJECTION = 'equity';

/**
 * Events that can change what an account holds (cash or shares). Order placements, cancels and routing
 * only move reserves between buckets of the same cash, so equity does not see them.
 */
const HOLDINGS_EVENTS: ReadonlySet<AccountEvent['type']> = new Set(['AccountOpened', 'DepositInitiated', 'DepositSettled', 'DepositReturned', 'FundsWithdrawn', 'OrderFilled', 'TradesSettled']);

/** Cash in equity, as `GET /v1/portfolio` counts it: settled (negative while credit funds buys), unsettled proceeds and deposits on their way. */
export const holdingsOf = (state: AccountState): Holdings | null => {
  const cash = cashBuckets(state);
  if (cash === null) return null;
  return {
    cash: signedCashString(big(cash.settled).plus(cash.unsettled).plus(cash.pendingDeposits)),
    positions: positions(state).map((p) => ({ symbol: p.symbol, quantity: p.quantity, costBasis: p.costBasis })),
  };
};

/**
 * The equity model: per account, what it held after each event that changed its holdings (cash total and
 * shares, with the fill's symbol and price for a fill), keyed by the event's global position and stamped with
 * the event's time. It answers "what did the account hold at instant t" (the last row at or before t): the
 * start-of-day holdings and the day's changes of `GET /v1/portfolio/history?period=1D`, and the close of each
 * day for the daily equity snapshots. Events only, so it rebuilds like any model.
 */
export const migrateEquity = async (db: SqlClient, schema: string): Promise<void> => {
  await db.query({ text: accountStateTableSql(schema) });
  await db.query({ text: `CREATE TABLE IF NOT EXISTS ${schema}.holdings (
    account_id uuid NOT NULL,
    position bigint NOT NULL,
    at_ms bigint NOT NULL,
    cash text NOT NULL,
    positions jsonb NOT NULL,
    fill_symbol text,
    fill_price text,
    PRIMARY KEY (account_id, position)
  )` });
  await db.query({ text: `CREATE INDEX IF NOT EXISTS holdings_by_time ON ${schema}.holdings (account_id, at_ms)` });
};

export const createEquityProjection = (): Projection => {
  const states = createFoldStates();
  return {
    name: EQUITY_PROJECTION,
    migrate: migrateEquity,
    forget: () => states.forget(),
    apply: async (tx: SqlClient, schema: string, events: readonly RecordedEvent[]) => {
      const steps = await states.foldAndSave(tx, schema, accountFacts(events));
      const rows = steps.flatMap((step) => {
        if (!HOLDINGS_EVENTS.has(step.event.type)) return [];
        const holdings = holdingsOf(step.state);
        if (holdings === null) return [];
        const fill = step.event.type === 'OrderFilled' ? step.event.data : null;
        return [{ accountId: step.accountId, position: step.recorded.position, atMs: step.event.data.atMs, holdings, fillSymbol: fill?.symbol ?? null, fillPrice: fill?.price ?? null }];
      });
      if (rows.length === 0) return;
      await tx.query({
        text: `INSERT INTO ${schema}.holdings (account_id, position, at_ms, cash, positions, fill_symbol, fill_price)
          SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::bigint[], $4::text[], $5::jsonb[], $6::text[], $7::text[]) ON CONFLICT DO NOTHING`,
      }, [
        rows.map((r) => r.accountId), rows.map((r) => r.position.toString()), rows.map((r) => r.atMs), rows.map((r) => r.holdings.cash),
        rows.map((r) => JSON.stringify(r.holdings.positions)), rows.map((r) => r.fillSymbol), rows.map((r) => r.fillPrice),
      ]);
    },
  };
};
