import { randomUUID } from 'node:crypto';
import * as E from 'fp-ts/Either';
import fc from 'fast-check';
import Redis from 'ioredis';
import { Pool } from 'pg';
import { Registry } from 'prom-client';
import { preCheckBuyingPower } from '../commands/orders/buying-power-precheck';
import { buyingPower, decide, evolve, initialState, type AccountEvent, type AccountState, type PlaceOrderData } from '../domain/account';
import { asCash, asPrice, asQuantity } from '../domain/money';
import { createInMemoryBuyingPowerStore } from '../infrastructure/buying-power/in-memory';
import type { BuyingPowerEntry, BuyingPowerStore } from '../infrastructure/buying-power/port';
import { createRedisBuyingPowerStore } from '../infrastructure/buying-power/redis';
import { createPostgresEventStore } from '../infrastructure/event-store/postgres';
import type { EventStore } from '../infrastructure/event-store/port';
import { createLogger } from '../infrastructure/logging';
import { sqlDatabaseFromPool, type SqlDatabase } from '../infrastructure/pg/sql-client';
import { BUYING_POWER_PROJECTION, createBuyingPowerProjection } from '../projections/buying-power/model';
import { rebuildProjection } from '../projections/rebuild/rebuild';
import { waitForProjections } from '../projections/runner/catch-up';
import { startProjectionRunner, type ProjectionRunner } from '../projections/runner/runner';
import { historyOf, intentArb, T0 } from './support/account-histories';
import { createTestDatabase, testKeyPrefix, type TestDatabase } from './support/pg-database';
import { REDIS_URL } from './support/trading-harness';

const RUNS = 5;
const ACCOUNTS_PER_RUN = 3;
const CATCH_UP_WAIT_MS = 20_000;
const silent = createLogger({ level: 'silent' });

/** What the model must hold for an account whose stream is `events`, folded to `state`. */
const expectedEntry = (accountId: string, state: AccountState, events: readonly AccountEvent[]) => ({
  accountId, buyingPower: buyingPower(state), restricted: state.status === 'open' && state.restricted, revision: BigInt(events.length - 1),
});
const withoutPosition = (entry: BuyingPowerEntry | undefined) => (entry === undefined ? undefined
  : { accountId: entry.accountId, buyingPower: entry.buyingPower, restricted: entry.restricted, revision: entry.revision });

const buyOrder = (priceCents: number, micros: number, type: 'limit' | 'market', atMs: number): PlaceOrderData => {
  const price = asPrice((priceCents / 100).toFixed(2));
  return {
    orderId: randomUUID(), symbol: 'AAPL', side: 'buy', type, quantity: asQuantity((micros / 1e6).toFixed(6)), ...(type === 'limit' ? { limitPrice: price } : {}),
    timeInForce: 'gtc', extendedHours: false, referencePrice: price, atMs,
  };
};

describe('the buying power model (Redis) against the decider (PostgreSQL event store, real Redis)', () => {
  let database: TestDatabase;
  let store: EventStore;
  let db: SqlDatabase;
  let redis: Redis;
  let model: BuyingPowerStore;
  let runner: ProjectionRunner;
  beforeAll(async () => {
    database = await createTestDatabase('buying_power_model');
    store = await createPostgresEventStore({ connectionString: database.url, poolSize: 4 });
    db = sqlDatabaseFromPool(new Pool({ connectionString: database.url, max: 4 }), true);
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    model = createRedisBuyingPowerStore(redis, testKeyPrefix('buying_power'));
    runner = await startProjectionRunner({ store, db, projections: [createBuyingPowerProjection(model)], logger: silent, registry: new Registry() });
  });
  afterAll(async () => {
    await runner.stop();
    await db.close();
    await store.close();
    redis.disconnect();
    await database.drop();
  });

  /** Appends the accounts' histories interleaved, one event per append; returns the last position. */
  const appendInterleaved = async (accounts: ReadonlyArray<{ accountId: string; events: readonly AccountEvent[] }>): Promise<bigint> => {
    let last = 0n;
    const longest = Math.max(...accounts.map((a) => a.events.length));
    for (let i = 0; i < longest; i += 1) {
      for (const account of accounts) {
        const event = account.events[i];
        if (event === undefined) continue;
        const appended = await store.appendToStream(`account-${account.accountId}`, [{ id: randomUUID(), type: event.type, data: event.data }], { expectedRevision: i === 0 ? 'no_stream' : BigInt(i - 1) });
        if (appended.kind === 'Appended') last = appended.position;
      }
    }
    return last;
  };

  it('equals the decider\'s buying power after any history, live and rebuilt into a fresh generation', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.array(intentArb, { minLength: 3, maxLength: 30 }), { minLength: ACCOUNTS_PER_RUN, maxLength: ACCOUNTS_PER_RUN }), async (plans) => {
      const accounts = plans.map((plan) => { const accountId = randomUUID(); return { accountId, ...historyOf(accountId, plan) }; });
      const last = await appendInterleaved(accounts);
      expect((await waitForProjections(db, [BUYING_POWER_PROJECTION], last, CATCH_UP_WAIT_MS)).reached).toBe(true);
      for (const account of accounts) {
        expect(withoutPosition(await model.read(account.accountId))).toEqual(expectedEntry(account.accountId, account.state, account.events));
      }

      const liveGeneration = await model.activeGeneration();
      await rebuildProjection({ store, db, projection: createBuyingPowerProjection(model) });
      const rebuiltGeneration = await model.activeGeneration();
      expect(rebuiltGeneration).not.toEqual(liveGeneration);
      for (const account of accounts) {
        expect(withoutPosition(await model.read(account.accountId))).toEqual(expectedEntry(account.accountId, account.state, account.events));
        // The replaced generation is dropped.
        expect(await model.readGeneration(liveGeneration!, account.accountId)).toBeUndefined();
      }
    }), { numRuns: RUNS });
  }, 240_000);

  it('keeps serving after a rebuild: the live runner writes the next events into the swapped-in generation', async () => {
    const accountId = randomUUID();
    const { events } = historyOf(accountId, [{ kind: 'deposit', cents: 50_000 }]);
    const opened = await appendInterleaved([{ accountId, events }]);
    expect((await waitForProjections(db, [BUYING_POWER_PROJECTION], opened, CATCH_UP_WAIT_MS)).reached).toBe(true);
    await rebuildProjection({ store, db, projection: createBuyingPowerProjection(model) });
    let state = events.reduce(evolve, initialState);
    const deposit = decide({ type: 'RequestDeposit', data: { transferId: randomUUID(), amount: asCash('25.00'), atMs: T0 } }, state);
    if (E.isLeft(deposit)) throw new Error(deposit.left.message);
    state = deposit.right.reduce(evolve, state);
    const appended = await store.appendToStream(`account-${accountId}`, deposit.right.map((e) => ({ id: randomUUID(), type: e.type, data: e.data })), { expectedRevision: BigInt(events.length - 1) });
    if (appended.kind !== 'Appended') throw new Error('append conflicted');
    expect((await waitForProjections(db, [BUYING_POWER_PROJECTION], appended.position, CATCH_UP_WAIT_MS)).reached).toBe(true);
    expect(withoutPosition(await model.read(accountId))).toEqual(expectedEntry(accountId, state, [...events, ...deposit.right]));
  }, 60_000);

  it('never goes backwards: an older position changes nothing, in Redis and in memory alike', async () => {
    for (const store of [createRedisBuyingPowerStore(redis, testKeyPrefix('bp_guard')), createInMemoryBuyingPowerStore()]) {
      const accountId = randomUUID();
      await store.activate('g1');
      const newer: BuyingPowerEntry = { accountId, buyingPower: '10.00', restricted: false, revision: 7n, position: 2n ** 60n + 5n };
      await store.write('g1', [newer]);
      await store.write('g1', [{ ...newer, buyingPower: '999.00', revision: 6n, position: 2n ** 60n + 4n }]);
      await store.write('g1', [{ ...newer, buyingPower: '888.00', revision: 7n, position: 2n ** 60n + 5n }]);
      expect(await store.read(accountId)).toEqual(newer);
      await store.write('g1', [{ ...newer, buyingPower: '-3.50', revision: 8n, position: 2n ** 60n + 6n }]);
      expect((await store.read(accountId))?.buyingPower).toBe('-3.50');
      expect(await store.read(randomUUID())).toBeUndefined();
      await store.activate('g2');
      expect(await store.read(accountId)).toBeUndefined();
      expect(await store.readGeneration('g1', accountId)).toBeUndefined();
    }
  });

  it('pre-check: refuses only with the decider\'s own refusal, and only when the entry is the stream\'s last revision', async () => {
    const checks = createInMemoryBuyingPowerStore();
    await checks.activate('g');
    await fc.assert(fc.asyncProperty(
      fc.array(intentArb, { minLength: 3, maxLength: 25 }), fc.nat(), fc.integer({ min: 100, max: 50_000 }), fc.integer({ min: 1, max: 50_000_000 }), fc.boolean(),
      async (plan, prefixPick, priceCents, micros, limit) => {
        const accountId = randomUUID();
        const { events, state } = historyOf(accountId, plan);
        await appendInterleaved([{ accountId, events }]);
        // The model's entry as of some prefix of the stream: the last event (current) or an earlier one (stale, high or low).
        const seen = 1 + (prefixPick % events.length);
        const stateSeen = events.slice(0, seen).reduce(evolve, initialState);
        const entry = { accountId, buyingPower: buyingPower(stateSeen), restricted: stateSeen.status === 'open' && stateSeen.restricted, revision: BigInt(seen - 1), position: BigInt(seen) };
        await checks.write('g', [entry]);
        const order = buyOrder(priceCents, micros, limit ? 'limit' : 'market', T0 + 1_000_000_000);
        const early = await preCheckBuyingPower({ buyingPower: checks, store }, accountId, order, silent);
        const decided = decide({ type: 'PlaceOrder', data: order }, state);
        if (early !== null) {
          expect(seen).toBe(events.length);
          expect(decided).toEqual(E.left(early));
        }
        // A current entry lets nothing through that the decider refuses for buying power.
        if (seen === events.length && E.isLeft(decided) && decided.left.code === 'INSUFFICIENT_BUYING_POWER') expect(early).toEqual(decided.left);
      },
    ), { numRuns: 60 });
  }, 120_000);
});
