import { randomUUID } from 'node:crypto';
import * as E from 'fp-ts/Either';
import { Pool } from 'pg';
import { Registry } from 'prom-client';
import { createAccounts, executeAccountCommand } from '../commands/accounts/account-stream';
import { cashBuckets, orderView, positions, type AccountCommand } from '../domain/account';
import { asCash, asPrice, asQuantity } from '../domain/money';
import { createPostgresEventStore } from '../infrastructure/event-store/postgres';
import type { EventStore } from '../infrastructure/event-store/port';
import { createLogger } from '../infrastructure/logging';
import { sqlDatabaseFromPool, type SqlDatabase } from '../infrastructure/pg/sql-client';
import { createTestDatabase, type TestDatabase } from './support/pg-database';
import { createOrdersProjection } from '../projections/orders/model';
import { createPortfolioProjection } from '../projections/portfolio/model';
import { waitForProjections } from '../projections/runner/catch-up';
import { readCheckpoint } from '../projections/runner/checkpoints';
import { startProjectionRunner, type ProjectionRunner } from '../projections/runner/runner';

const T0 = Date.UTC(2026, 10, 24, 15, 0, 0);
const CATCH_UP_MS = 10_000;

describe('projection runner on PostgreSQL', () => {
  let database: TestDatabase;
  let store: EventStore;
  let pool: Pool;
  let db: SqlDatabase;
  let runner: ProjectionRunner;
  let registry: Registry;

  const run = async (accountId: string, command: AccountCommand) => {
    const result = await executeAccountCommand(store, accountId, command, { eventIdSource: randomUUID(), metadata: { actor: 'system:test' } });
    if (E.isLeft(result)) throw new Error(`${command.type} refused: ${result.left.code}`);
    return result.right.position;
  };

  const start = async () => startProjectionRunner({
    store, db, projections: [createOrdersProjection(), createPortfolioProjection()], logger: createLogger({ level: 'silent' }), registry, lagSampleIntervalMs: 50,
  });

  beforeAll(async () => {
    database = await createTestDatabase('projections_runner');
    store = await createPostgresEventStore({ connectionString: database.url, poolSize: 4 });
    pool = new Pool({ connectionString: database.url, max: 4 });
    db = sqlDatabaseFromPool(pool, true);
    registry = new Registry();
    runner = await start();
  });
  afterAll(async () => {
    await runner.stop();
    await db.close();
    await store.close();
    await database.drop();
  });

  const tradedAccount = async () => {
    const accountId = randomUUID();
    const orderId = randomUUID();
    const transferId = randomUUID();
    await run(accountId, { type: 'OpenAccount', data: { accountId, email: `${accountId}@example.com`, atMs: T0 } });
    await run(accountId, { type: 'RequestDeposit', data: { transferId, amount: asCash('2000.00'), atMs: T0 + 1 } });
    await run(accountId, { type: 'SettleDeposit', data: { transferId, atMs: T0 + 2 } });
    await run(accountId, { type: 'PlaceOrder', data: { orderId, symbol: 'AAPL', side: 'buy', type: 'limit', quantity: asQuantity('10'), limitPrice: asPrice('100.00'), timeInForce: 'day', extendedHours: false, referencePrice: asPrice('100.00'), atMs: T0 + 3 } });
    await run(accountId, { type: 'AcknowledgeOrder', data: { orderId, venue: 'SIM', atMs: T0 + 4 } });
    await run(accountId, { type: 'ApplyFill', data: { orderId, execId: randomUUID(), quantity: asQuantity('4'), price: asPrice('99.50'), venue: 'SIM', atMs: T0 + 5 } });
    const position = await run(accountId, { type: 'ApplyFill', data: { orderId, execId: randomUUID(), quantity: asQuantity('6'), price: asPrice('100.00'), venue: 'SIM', atMs: T0 + 6 } });
    return { accountId, orderId, position };
  };

  it('materializes orders and the portfolio as the decider folds them, with each order event in the history', async () => {
    const { accountId, orderId, position } = await tradedAccount();
    expect((await waitForProjections(db, ['orders', 'portfolio'], position, CATCH_UP_MS)).reached).toBe(true);
    const state = await createAccounts(store).load(accountId);

    const order = await db.query<{ status: string; view: unknown }>({ text: 'SELECT status, view FROM rm_orders.orders WHERE order_id = $1' }, [orderId]);
    expect(order.rows[0]).toEqual({ status: 'filled', view: orderView(state, orderId) });
    expect((order.rows[0]!.view as { avgFillPrice: string }).avgFillPrice).toBe('99.80');
    const history = await db.query<{ type: string; status: string }>({ text: 'SELECT type, status FROM rm_orders.order_events WHERE order_id = $1 ORDER BY position' }, [orderId]);
    expect(history.rows).toEqual([
      { type: 'OrderPlaced', status: 'pending_new' }, { type: 'OrderSubmitted', status: 'submitted' },
      { type: 'OrderFilled', status: 'partially_filled' }, { type: 'OrderFilled', status: 'filled' },
    ]);

    const cash = await db.query<Record<string, string>>({ text: 'SELECT settled, unsettled, withdrawable, buying_power FROM rm_portfolio.accounts WHERE account_id = $1' }, [accountId]);
    const buckets = cashBuckets(state)!;
    expect(cash.rows[0]).toEqual({ settled: buckets.settled, unsettled: buckets.unsettled, withdrawable: buckets.withdrawable, buying_power: buckets.buyingPower });
    const held = await db.query<Record<string, string>>({ text: 'SELECT symbol, quantity, cost_basis, avg_cost, last_fill_price FROM rm_portfolio.positions WHERE account_id = $1' }, [accountId]);
    const [expected] = positions(state);
    expect(held.rows).toEqual([{ symbol: 'AAPL', quantity: expected!.quantity, cost_basis: expected!.costBasis, avg_cost: expected!.avgCost, last_fill_price: '100.00' }]);
  });

  it('reports lag per projection in its metrics, and zero once caught up', async () => {
    const { position } = await tradedAccount();
    await waitForProjections(db, ['orders', 'portfolio'], position, CATCH_UP_MS);
    // The lag is sampled, not computed on read: wait for a sample taken after the catch-up (a stalled box
    // can hold one back for hundreds of ms), and fail if none ever says zero.
    const ordersLag = /projection_lag_events\{projection="orders"\} 0\n/;
    const portfolioLag = /projection_lag_ms\{projection="portfolio"\} 0\n/;
    const deadline = Date.now() + CATCH_UP_MS;
    let text = await registry.metrics();
    while (Date.now() < deadline && !(ordersLag.test(text) && portfolioLag.test(text))) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      text = await registry.metrics();
    }
    expect(text).toMatch(ordersLag);
    expect(text).toMatch(portfolioLag);
    expect(runner.status().map((s) => s.name)).toEqual(['orders', 'portfolio']);
    expect(runner.healthy()).toBe(true);
  });

  it('resumes from its checkpoint after a restart, applying each event exactly once', async () => {
    await runner.stop();
    const { accountId, position } = await tradedAccount();
    expect((await readCheckpoint(db, 'portfolio')).position).toBeLessThan(position);
    runner = await start();
    expect((await waitForProjections(db, ['orders', 'portfolio'], position, CATCH_UP_MS)).reached).toBe(true);
    const cash = await db.query<{ settled: string }>({ text: 'SELECT settled FROM rm_portfolio.accounts WHERE account_id = $1' }, [accountId]);
    expect(cash.rows[0]!.settled).toBe(cashBuckets(await createAccounts(store).load(accountId))!.settled);
  });

  it('builds the model again from position 0 when its checkpoint is flagged needs_rebuild', async () => {
    const { accountId, position } = await tradedAccount();
    await waitForProjections(db, ['portfolio'], position, CATCH_UP_MS);
    await db.query({ text: "UPDATE rm_portfolio.accounts SET settled = '999999.00' WHERE account_id = $1" }, [accountId]);
    await db.query({ text: 'UPDATE projection_checkpoints SET needs_rebuild = true' });
    const deadline = Date.now() + CATCH_UP_MS;
    let settled = '999999.00';
    let flagged = true;
    while (Date.now() < deadline && (settled === '999999.00' || flagged)) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const rows = await db.query<{ settled: string }>({ text: 'SELECT settled FROM rm_portfolio.accounts WHERE account_id = $1' }, [accountId]);
      settled = rows.rows[0]?.settled ?? '999999.00';
      flagged = (await readCheckpoint(db, 'orders')).needsRebuild || (await readCheckpoint(db, 'portfolio')).needsRebuild;
    }
    expect(settled).toBe(cashBuckets(await createAccounts(store).load(accountId))!.settled);
    expect(flagged).toBe(false);
  });
});
