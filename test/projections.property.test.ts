import { randomUUID } from 'node:crypto';
import * as E from 'fp-ts/Either';
import fc from 'fast-check';
import { Pool } from 'pg';
import { Registry } from 'prom-client';
import { cashBuckets, decide, evolve, initialState, isTerminal, orderView, positions, type AccountCommand, type AccountEvent, type AccountState } from '../domain/account';
import { asCash, asPrice, asQuantity, type Quantity } from '../domain/money';
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

const T0 = Date.UTC(2026, 10, 24, 15, 0, 0);
const RUNS = 6;
const ACCOUNTS_PER_RUN = 3;
const SYMBOLS = ['AAPL', 'MSFT', 'NVDA'] as const;

/** What a client, the venue or a job might do next; interpreted against the state, refused intents are skipped like refused commands. */
type Intent =
  | { kind: 'deposit'; cents: number } | { kind: 'settle'; pick: number } | { kind: 'withdraw'; cents: number }
  | { kind: 'buy'; symbol: number; micros: number; priceCents: number } | { kind: 'sell'; symbol: number; pct: number }
  | { kind: 'ack' | 'cancel' | 'confirmCancel' | 'expire'; pick: number } | { kind: 'fill'; pick: number; pct: number; pricePct: number } | { kind: 'settleTrades' };

const pick = fc.nat({ max: 100 });
const intentArb: fc.Arbitrary<Intent> = fc.oneof(
  fc.record({ kind: fc.constant('deposit' as const), cents: fc.integer({ min: 100, max: 300_000 }) }),
  fc.record({ kind: fc.constant('settle' as const), pick }),
  fc.record({ kind: fc.constant('withdraw' as const), cents: fc.integer({ min: 100, max: 100_000 }) }),
  fc.record({ kind: fc.constant('buy' as const), symbol: fc.nat({ max: 2 }), micros: fc.integer({ min: 1, max: 20_000_000 }), priceCents: fc.integer({ min: 1_000, max: 30_000 }) }),
  fc.record({ kind: fc.constant('sell' as const), symbol: fc.nat({ max: 2 }), pct: fc.integer({ min: 1, max: 100 }) }),
  fc.record({ kind: fc.constantFrom('ack' as const, 'cancel' as const, 'confirmCancel' as const, 'expire' as const), pick }),
  fc.record({ kind: fc.constant('fill' as const), pick, pct: fc.integer({ min: 1, max: 100 }), pricePct: fc.integer({ min: 90, max: 105 }) }),
  fc.constant({ kind: 'settleTrades' as const }),
);

const openOrderIds = (state: AccountState): string[] => (state.status === 'open' ? Object.values(state.orders).filter((o) => !isTerminal(o.status)).map((o) => o.orderId).sort() : []);
const micros = (value: number): Quantity => asQuantity((value / 1e6).toFixed(6));

const commandOf = (intent: Intent, state: AccountState, accountId: string, atMs: number): AccountCommand | null => {
  if (state.status !== 'open') return { type: 'OpenAccount', data: { accountId, email: `${accountId}@example.com`, atMs } };
  const orders = openOrderIds(state);
  const pending = Object.values(state.deposits).filter((d) => d.status === 'pending').map((d) => d.transferId).sort();
  switch (intent.kind) {
    case 'deposit': return { type: 'RequestDeposit', data: { transferId: randomUUID(), amount: asCash((intent.cents / 100).toFixed(2)), atMs } };
    case 'settle': return pending.length === 0 ? null : { type: 'SettleDeposit', data: { transferId: pending[intent.pick % pending.length]!, atMs } };
    case 'withdraw': return { type: 'RequestWithdrawal', data: { transferId: randomUUID(), amount: asCash((intent.cents / 100).toFixed(2)), atMs } };
    case 'buy': {
      const price = asPrice((intent.priceCents / 100).toFixed(2));
      return { type: 'PlaceOrder', data: { orderId: randomUUID(), symbol: SYMBOLS[intent.symbol]!, side: 'buy', type: 'limit', quantity: micros(intent.micros), limitPrice: price, timeInForce: 'gtc', extendedHours: false, referencePrice: price, atMs } };
    }
    case 'sell': {
      const held = state.positions[SYMBOLS[intent.symbol]!];
      if (held === undefined) return null;
      const quantity = Math.floor((Number(held.quantity) * 1e6 * intent.pct) / 100);
      return quantity < 1 ? null : { type: 'PlaceOrder', data: { orderId: randomUUID(), symbol: held.symbol, side: 'sell', type: 'limit', quantity: micros(quantity), limitPrice: asPrice('100.00'), timeInForce: 'gtc', extendedHours: false, referencePrice: asPrice('100.00'), atMs } };
    }
    case 'ack': case 'cancel': case 'confirmCancel': case 'expire': {
      if (orders.length === 0) return null;
      const orderId = orders[intent.pick % orders.length]!;
      const type = ({ ack: 'AcknowledgeOrder', cancel: 'RequestOrderCancel', confirmCancel: 'ConfirmOrderCancel', expire: 'ExpireOrder' } as const)[intent.kind];
      return type === 'AcknowledgeOrder' ? { type, data: { orderId, venue: 'SIM', atMs } } : { type, data: { orderId, atMs } };
    }
    case 'fill': {
      if (orders.length === 0) return null;
      const order = state.orders[orders[intent.pick % orders.length]!]!;
      const left = Math.round((Number(order.quantity) - Number(order.filledQuantity)) * 1e6);
      const quantity = Math.max(1, Math.floor((left * intent.pct) / 100));
      const price = ((Number(order.limitPrice ?? order.referencePrice) * intent.pricePct) / 100).toFixed(2);
      return { type: 'ApplyFill', data: { orderId: order.orderId, execId: randomUUID(), quantity: micros(Math.min(quantity, left)), price, venue: 'SIM', atMs } };
    }
    case 'settleTrades': return { type: 'SettleTrades', data: { upToMs: atMs, atMs } };
  }
};

/** One account's history: the decider's events for the intents it accepts, and its state after them. */
const historyOf = (accountId: string, intents: readonly Intent[]): { events: AccountEvent[]; state: AccountState } => {
  let state: AccountState = initialState;
  const events: AccountEvent[] = [];
  let atMs = T0;
  for (const intent of [{ kind: 'deposit', cents: 1 } as Intent, ...intents]) {
    atMs += 3_600_000;
    const command = commandOf(intent, state, accountId, atMs);
    if (command === null) continue;
    const decision = decide(command, state);
    if (E.isLeft(decision)) continue;
    for (const event of decision.right) { state = evolve(state, event); events.push(event); }
  }
  return { events, state };
};

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
