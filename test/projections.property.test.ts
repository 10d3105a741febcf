import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { Pool } from 'pg';
import { Registry } from 'prom-client';
import { cashBuckets, orderView, positions } from '../domain/account';
import { historyOf, intentArb } from './support/account-histories';
import { createPostgresEventStore } from '../infrastructure/event-store/postgres';
import type { EventStore } from '../infrastructure/event-store/port';
import { createLogger } from '../infrastructure/logging';
import { sqlDatabaseFromPool, type SqlDatabase } from '../infrastructure/pg/sql-client';
import { createOrdersProjection } from '../projections/orders/model';
import { createPortfolioProjection } from '../projections/portfolio/model';
import { rebuildProjection } from '../projections/rebuild/rebuild';
import { waitForProjections } from '../projections/runner/catch-up';
import { startProjectionRunner, type ProjectionRunner } from '../projections/runner/runner';
import { createTestDatabase, type TestDatabase } from './support/pg-database';

const RUNS = 6;
const ACCOUNTS_PER_RUN = 3;

describe('projections: rebuilt == live, and the portfolio == the fold of the decider (property)', () => {
  let database: TestDatabase;
  let store: EventStore;
  let db: SqlDatabase;
  let runner: ProjectionRunner;
  beforeAll(async () => {
    database = await createTestDatabase('projections_property');
    store = await createPostgresEventStore({ connectionString: database.url, poolSize: 4 });
    db = sqlDatabaseFromPool(new Pool({ connectionString: database.url, max: 4 }), true);
    runner = await startProjectionRunner({ store, db, projections: [createOrdersProjection(), createPortfolioProjection()], logger: createLogger({ level: 'silent' }), registry: new Registry() });
  });
  afterAll(async () => {
    await runner.stop();
    await db.close();
    await store.close();
    await database.drop();
  });

  const rows = async (schema: string, accountIds: readonly string[]) => ({
    accounts: (await db.query({ text: `SELECT account_id::text, settled, unsettled, instant_credit, pending_deposits, reserved, holds, withdrawable, buying_power FROM ${schema}.accounts WHERE account_id = ANY($1::uuid[]) ORDER BY account_id`, }, [accountIds])).rows,
    positions: (await db.query({ text: `SELECT account_id::text, symbol, quantity, reserved_quantity, cost_basis, avg_cost, realized_pnl FROM ${schema}.positions WHERE account_id = ANY($1::uuid[]) ORDER BY account_id, symbol` }, [accountIds])).rows,
  });
  const orderRows = async (schema: string, accountIds: readonly string[]) =>
    (await db.query<{ order_id: string; status: string; view: unknown }>({ text: `SELECT order_id::text, status, view FROM ${schema}.orders WHERE account_id = ANY($1::uuid[]) ORDER BY order_id` }, [accountIds])).rows;
  const orderModelRows = async (schema: string, accountIds: readonly string[]) => ({
    orders: (await db.query({ text: `SELECT order_id::text, account_id::text, seq::text, symbol, status, placed_at_ms::text, updated_at_ms::text, view FROM ${schema}.orders WHERE account_id = ANY($1::uuid[]) ORDER BY order_id` }, [accountIds])).rows,
    history: (await db.query({ text: `SELECT e.order_id::text, e.position::text, e.type, e.status, e.at_ms::text FROM ${schema}.order_events e JOIN ${schema}.orders o USING (order_id) WHERE o.account_id = ANY($1::uuid[]) ORDER BY e.order_id, e.position` }, [accountIds])).rows,
  });
  const portfolioModelRows = async (schema: string, accountIds: readonly string[]) => ({
    accounts: (await db.query({ text: `SELECT account_id::text, settled, unsettled, instant_credit, pending_deposits, reserved, holds, withdrawable, buying_power, position::text, updated_at_ms::text FROM ${schema}.accounts WHERE account_id = ANY($1::uuid[]) ORDER BY account_id` }, [accountIds])).rows,
    positions: (await db.query({ text: `SELECT * FROM ${schema}.positions WHERE account_id = ANY($1::uuid[]) ORDER BY account_id, symbol` }, [accountIds])).rows,
    states: (await db.query({ text: `SELECT account_id::text, state FROM ${schema}.account_state WHERE account_id = ANY($1::uuid[]) ORDER BY account_id` }, [accountIds])).rows,
  });

  it('holds for random histories of several interleaved accounts', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.array(intentArb, { minLength: 5, maxLength: 40 }), { minLength: ACCOUNTS_PER_RUN, maxLength: ACCOUNTS_PER_RUN }), async (plans) => {
      const accounts = plans.map((plan) => { const accountId = randomUUID(); return { accountId, ...historyOf(accountId, plan) }; });
      // Interleave the accounts' events in the global log, one append each.
      let last = 0n;
      const longest = Math.max(...accounts.map((a) => a.events.length));
      for (let i = 0; i < longest; i += 1) {
        for (const account of accounts) {
          const event = account.events[i];
          if (event === undefined) continue;
          const appended = await store.appendToStream(`account-${account.accountId}`, [{ id: randomUUID(), type: event.type, data: event.data }], { expectedRevision: 'any' });
          if (appended.kind === 'Appended') last = appended.position;
        }
      }
      expect((await waitForProjections(db, ['orders', 'portfolio'], last, 20_000)).reached).toBe(true);
      const ids = accounts.map((a) => a.accountId).sort();

      await rebuildProjection({ store, db, projection: createPortfolioProjection(), intoSchemaOnly: 'check_portfolio' });
      await rebuildProjection({ store, db, projection: createOrdersProjection(), intoSchemaOnly: 'check_orders' });
      // The rebuild's bulk path again, in pages of a few events and writing every few rows: many folds and writes per account.
      await rebuildProjection({ store, db, projection: createPortfolioProjection(), intoSchemaOnly: 'check_portfolio_small', pageEvents: 7, pendingRowsMax: 5 });
      await rebuildProjection({ store, db, projection: createOrdersProjection(), intoSchemaOnly: 'check_orders_small', pageEvents: 7, pendingRowsMax: 5 });
      // And with room for one account's state in memory: the others are written at each write, dropped and read back.
      await rebuildProjection({ store, db, projection: createPortfolioProjection({ cachedAccountsMax: 1 }), intoSchemaOnly: 'check_portfolio_tiny', pageEvents: 7, pendingRowsMax: 5 });
      await rebuildProjection({ store, db, projection: createOrdersProjection({ cachedAccountsMax: 1 }), intoSchemaOnly: 'check_orders_tiny', pageEvents: 7, pendingRowsMax: 5 });
      const live = await rows('rm_portfolio', ids);
      expect(live).toEqual(await rows('check_portfolio', ids));
      expect(await orderRows('rm_orders', ids)).toEqual(await orderRows('check_orders', ids));
      // Every column, the order history and the folded states: the runner's batches and the rebuild's bulk path write the same rows.
      const livePortfolio = await portfolioModelRows('rm_portfolio', ids);
      expect(await portfolioModelRows('check_portfolio', ids)).toEqual(livePortfolio);
      expect(await portfolioModelRows('check_portfolio_small', ids)).toEqual(livePortfolio);
      expect(await portfolioModelRows('check_portfolio_tiny', ids)).toEqual(livePortfolio);
      const liveOrders = await orderModelRows('rm_orders', ids);
      expect(await orderModelRows('check_orders', ids)).toEqual(liveOrders);
      expect(await orderModelRows('check_orders_small', ids)).toEqual(liveOrders);
      expect(await orderModelRows('check_orders_tiny', ids)).toEqual(liveOrders);

      // The portfolio model is the decider's fold, row for row.
      const folded = [...accounts].sort((a, b) => (a.accountId < b.accountId ? -1 : 1));
      expect(live.accounts).toEqual(folded.map((a) => {
        const c = cashBuckets(a.state)!;
        return { account_id: a.accountId, settled: c.settled, unsettled: c.unsettled, instant_credit: c.instantCredit, pending_deposits: c.pendingDeposits, reserved: c.reserved, holds: c.holds, withdrawable: c.withdrawable, buying_power: c.buyingPower };
      }));
      expect(live.positions).toEqual(folded.flatMap((a) => positions(a.state).map((p) => ({
        account_id: a.accountId, symbol: p.symbol, quantity: p.quantity, reserved_quantity: p.reservedQuantity, cost_basis: p.costBasis, avg_cost: p.avgCost, realized_pnl: p.realizedPnl,
      }))));
      // Every order's row is the domain's view of it after its last event: for the fold's final state, exactly.
      const expectedOrders = folded.flatMap((a) => (a.state.status === 'open' ? Object.keys(a.state.orders) : []).map((orderId) => orderView(a.state, orderId)!));
      expect((await orderRows('rm_orders', ids)).map((r) => r.view)).toEqual(expectedOrders.sort((x, y) => (x.orderId < y.orderId ? -1 : 1)));
    }), { numRuns: RUNS });
  }, 240_000);
});
