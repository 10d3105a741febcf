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
      const live = await rows('rm_portfolio', ids);
      expect(live).toEqual(await rows('check_portfolio', ids));
      expect(await orderRows('rm_orders', ids)).toEqual(await orderRows('check_orders', ids));

      // The portfolio model is the decider's fold, row for row.
      const folded = [...accounts].sort((a, b) => (a.accountId < b.accountId ? -1 : 1));
      expect(live.accounts).toEqual(folded.map((a) => {
        const c = cashBuckets(a.state)!;
        return { account_id: a.accountId, settled: c.settled, unsettled: c.unsettled, instant_credit: c.instantCredit, pending_deposits: c.pendingDeposits, reserved: c.reserved, holds: c.holds, withdrawable: c.withdrawable, buying_power: c.buyingPower };
      }));
      expect(live.positions).toEqual(folded.flatMap((a) => positions(a.state).map((p) => ({
        account_id: a.accountId, symbol: p.symbol, quantity: p.quantity, reserved_quantity: p.reservedQuantity, cost_basis: p.costBasis, avg_cost: p.avgCost, realized_pnl: p.realizedPnl,
      }))));
      const liveOrders = await orderRows('rm_orders', ids);
      // Every order's row is the domain's view of it after its last event: for the fold's final state, exactly.
      const expectedOrders = folded.flatMap((a) => (a.state.status === 'open' ? Object.keys(a.state.orders) : []).map((orderId) => orderView(a.state, orderId)!));
      expect(liveOrders.map((r) => r.view)).toEqual(expectedOrders.sort((x, y) => (x.orderId < y.orderId ? -1 : 1)));
    }), { numRuns: RUNS });
  }, 240_000);
});
