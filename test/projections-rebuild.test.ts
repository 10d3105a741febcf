import { randomUUID } from 'node:crypto';
import * as E from 'fp-ts/Either';
import { Pool } from 'pg';
import { Registry } from 'prom-client';
import { executeAccountCommand } from '../commands/accounts/account-stream';
import type { AccountCommand } from '../domain/account';
import { asCash, asPrice, asQuantity } from '../domain/money';
import { createPostgresEventStore } from '../infrastructure/event-store/postgres';
import type { EventStore } from '../infrastructure/event-store/port';
import { createLogger } from '../infrastructure/logging';
import { sqlDatabaseFromPool, type SqlClient, type SqlDatabase } from '../infrastructure/pg/sql-client';
import { createTestDatabase, type TestDatabase } from './support/pg-database';
import { createOrdersProjection } from '../projections/orders/model';
import { createPortfolioProjection } from '../projections/portfolio/model';
import { rebuildProjection } from '../projections/rebuild/rebuild';
import { waitForProjections } from '../projections/runner/catch-up';
import { migrateProjection } from '../projections/runner/projection';
import { startProjectionRunner } from '../projections/runner/runner';

const T0 = Date.UTC(2026, 10, 24, 15, 0, 0);
const ACCOUNTS = 6;
const ORDERS_BEFORE = 40;

describe('rebuild from scratch while orders keep coming', () => {
  let database: TestDatabase;
  let store: EventStore;
  let db: SqlDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('projections_rebuild');
    store = await createPostgresEventStore({ connectionString: database.url, poolSize: 4 });
    db = sqlDatabaseFromPool(new Pool({ connectionString: database.url, max: 6 }), true);
  });
  afterAll(async () => {
    await db.close();
    await store.close();
    await database.drop();
  });

  const run = async (accountId: string, command: AccountCommand) => {
    const result = await executeAccountCommand(store, accountId, command, { eventIdSource: randomUUID(), metadata: { actor: 'system:test' } });
    if (E.isLeft(result)) throw new Error(`${command.type} refused: ${result.left.code}`);
    return result.right.position;
  };
  const openFunded = async () => {
    const accountId = randomUUID();
    const transferId = randomUUID();
    await run(accountId, { type: 'OpenAccount', data: { accountId, email: `${accountId}@example.com`, atMs: T0 } });
    await run(accountId, { type: 'RequestDeposit', data: { transferId, amount: asCash('900.00'), atMs: T0 } });
    await run(accountId, { type: 'SettleDeposit', data: { transferId, atMs: T0 } });
    return accountId;
  };
  /** An order placed, acknowledged and (for every other one) filled. */
  const trade = async (accountId: string, i: number) => {
    const orderId = randomUUID();
    await run(accountId, { type: 'PlaceOrder', data: { orderId, symbol: i % 2 === 0 ? 'AAPL' : 'MSFT', side: 'buy', type: 'limit', quantity: asQuantity('0.1'), limitPrice: asPrice('10.00'), timeInForce: 'gtc', extendedHours: false, referencePrice: asPrice('10.00'), atMs: T0 + i } });
    await run(accountId, { type: 'AcknowledgeOrder', data: { orderId, venue: 'SIM', atMs: T0 + i } });
    if (i % 2 === 0) return run(accountId, { type: 'ApplyFill', data: { orderId, execId: randomUUID(), quantity: asQuantity('0.1'), price: asPrice('9.50'), venue: 'SIM', atMs: T0 + i } });
    return run(accountId, { type: 'ExpireOrder', data: { orderId, atMs: T0 + i } });
  };

  const rowsOf = async (schema: string) => ({
    orders: (await db.query({ text: `SELECT order_id, account_id, seq, status, view FROM ${schema}.orders ORDER BY order_id` })).rows,
    history: (await db.query({ text: `SELECT * FROM ${schema}.order_events ORDER BY order_id, position` })).rows,
  });
  const indexesOf = async (schema: string) =>
    (await db.query<{ indexdef: string }>({ text: 'SELECT indexdef FROM pg_indexes WHERE schemaname = $1 ORDER BY indexname' }, [schema])).rows.map((r) => r.indexdef);
  const portfolioRowsOf = async (schema: string) => ({
    accounts: (await db.query({ text: `SELECT account_id, settled, unsettled, withdrawable, buying_power FROM ${schema}.accounts ORDER BY account_id` })).rows,
    positions: (await db.query({ text: `SELECT * FROM ${schema}.positions ORDER BY account_id, symbol` })).rows,
  });

  it('swaps in a model equal to a fresh rebuild, and a polling reader never sees a half model', async () => {
    const accounts: string[] = [];
    for (let a = 0; a < ACCOUNTS; a += 1) accounts.push(await openFunded());
    for (let i = 0; i < ORDERS_BEFORE; i += 1) await trade(accounts[i % ACCOUNTS]!, i);
    const runner = await startProjectionRunner({ store, db, projections: [createOrdersProjection(), createPortfolioProjection()], logger: createLogger({ level: 'silent' }), registry: new Registry() });
    try {
      expect((await waitForProjections(db, ['orders', 'portfolio'], (await store.headPosition()).position, 20_000)).reached).toBe(true);

      let writing = true;
      let written = ORDERS_BEFORE;
      const writer = (async () => { while (writing) { await trade(accounts[written % ACCOUNTS]!, written); written += 1; } })();
      // The reader: the live model's order count only grows; a half-built model would show fewer orders.
      let polling = true;
      let reads = 0;
      let lowest = Number.POSITIVE_INFINITY;
      let previous = 0;
      let shrank = false;
      const reader = (async () => {
        while (polling) {
          const { rows } = await db.query<{ n: string }>({ text: 'SELECT count(*)::text AS n FROM rm_orders.orders' });
          const count = Number(rows[0]!.n);
          if (count < previous) shrank = true;
          previous = count;
          lowest = Math.min(lowest, count);
          reads += 1;
        }
      })();

      const phases = new Set<string>();
      const rebuilt = await rebuildProjection({ store, db, projection: createOrdersProjection(), onProgress: (p) => phases.add(p.phase) });
      await rebuildProjection({ store, db, projection: createPortfolioProjection() });
      await new Promise((resolve) => setTimeout(resolve, 200));
      writing = false;
      await writer;
      polling = false;
      await reader;

      expect(rebuilt.events).toBeGreaterThan(ORDERS_BEFORE * 2);
      expect([...phases]).toEqual(expect.arrayContaining(['scan', 'index', 'swap', 'done']));
      // The scan loaded the tables bare; the swapped-in model has the indexes its reads use.
      expect(await indexesOf('rm_orders')).toEqual(expect.arrayContaining([
        expect.stringMatching(/^CREATE UNIQUE INDEX order_events_pkey ON rm_orders\.order_events USING btree \(order_id, "?position"?\)$/),
        expect.stringMatching(/^CREATE INDEX orders_by_account ON rm_orders\.orders USING btree \(account_id, seq\)$/),
      ]));
      expect(written).toBeGreaterThan(ORDERS_BEFORE);
      expect(reads).toBeGreaterThan(0);
      expect(shrank).toBe(false);
      expect(lowest).toBeGreaterThanOrEqual(ORDERS_BEFORE);

      // After the writers stop and the runner catches up, the live (swapped-in) model equals a fresh rebuild, row for row.
      expect((await waitForProjections(db, ['orders', 'portfolio'], (await store.headPosition()).position, 20_000)).reached).toBe(true);
      await rebuildProjection({ store, db, projection: createOrdersProjection(), intoSchemaOnly: 'check_orders' });
      await rebuildProjection({ store, db, projection: createPortfolioProjection(), intoSchemaOnly: 'check_portfolio' });
      const live = await rowsOf('rm_orders');
      expect(live.orders).toHaveLength(written);
      expect(live).toEqual(await rowsOf('check_orders'));
      expect(await portfolioRowsOf('rm_portfolio')).toEqual(await portfolioRowsOf('check_portfolio'));
    } finally {
      await runner.stop();
    }
  });

  it('migrates a model whose history key was declared with its table, as before, without a second index', async () => {
    await db.query({ text: 'DROP SCHEMA IF EXISTS old_orders CASCADE' });
    await db.query({ text: 'CREATE SCHEMA old_orders' });
    await db.query({ text: `CREATE TABLE old_orders.order_events (
      order_id uuid NOT NULL, position bigint NOT NULL, type text NOT NULL, status text NOT NULL, at_ms bigint NOT NULL,
      PRIMARY KEY (order_id, position))` });
    await migrateProjection(db, createOrdersProjection(), 'old_orders');
    await migrateProjection(db, createOrdersProjection(), 'old_orders');
    const indexes = await indexesOf('old_orders');
    expect(indexes.filter((def) => def.includes('old_orders.order_events'))).toEqual([expect.stringMatching(/^CREATE UNIQUE INDEX order_events_pkey /)]);
    expect(indexes).toEqual(expect.arrayContaining([expect.stringMatching(/^CREATE INDEX orders_by_account /)]));
  });

  it("lets the store's subscribers see new events while a rebuild's write is under way", async () => {
    const accountId = await openFunded();
    for (let i = 0; i < 4; i += 1) await trade(accountId, i);
    // Holds the rebuild right after its first write statement, as a busy server holds a slow write.
    let reachedGate!: () => void;
    let openGate!: () => void;
    const atGate = new Promise<void>((resolve) => { reachedGate = resolve; });
    const gateOpen = new Promise<void>((resolve) => { openGate = resolve; });
    let gated = false;
    const gate = (client: SqlClient): SqlClient => ({
      query: async <R>(statement: Parameters<SqlClient['query']>[0], params?: readonly unknown[]) => {
        const result = await client.query<R>(statement, params);
        if (!gated && /^\s*(INSERT INTO|COPY) gate_check\./.test(statement.text)) {
          gated = true;
          reachedGate();
          await gateOpen;
        }
        return result;
      },
    });
    const gatedDb: SqlDatabase = { ...gate(db), transaction: (work) => db.transaction((tx) => work(gate(tx))), close: () => db.close() };

    const rebuilding = rebuildProjection({ store, db: gatedDb, projection: createOrdersProjection(), intoSchemaOnly: 'gate_check', pendingRowsMax: 1 });
    try {
      await atGate;
      const head = (await store.headPosition()).position;
      const deposited = await run(accountId, { type: 'RequestDeposit', data: { transferId: randomUUID(), amount: asCash('5.00'), atMs: T0 } });
      const stop = AbortSignal.timeout(10_000);
      let seen: bigint | undefined;
      try {
        for await (const event of store.subscribeToAll({ fromPosition: head, signal: stop })) {
          if (event.position >= deposited) { seen = event.position; break; }
        }
      } catch (error) {
        if (!stop.aborted) throw error;
      }
      expect(seen).toBe(deposited);
    } finally {
      openGate();
      await rebuilding;
    }
  });
});
