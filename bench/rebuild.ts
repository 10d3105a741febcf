/**
 * Rebuild throughput: the portfolio and orders read models rebuilt from position 0 over ≥ 1,000,000 account
 * events in PostgreSQL, against a reference measured in the same run: reading the same events alone
 * (the store's ordered readAll, no model work).
 *   npx tsx bench/rebuild.ts
 * Env: BENCH_ACCOUNTS (21000), BENCH_ORDERS_PER_ACCOUNT (15): each account is open + deposit + settle and
 * per order place, acknowledge, fill, so events = accounts × (3 + 3 × orders) (1,008,000 by default).
 * Accounts' events are interleaved in the log (rounds of a few events per account), as live traffic would be.
 */
import { randomUUID } from 'node:crypto';
import * as E from 'fp-ts/Either';
import { Pool } from 'pg';
import pino from 'pino';
import { decide, evolve, initialState, type AccountCommand, type AccountEvent, type AccountState } from '../domain/account';
import { asCash, asPrice, asQuantity } from '../domain/money';
import { createPostgresEventStore } from '../infrastructure/event-store/postgres';
import { sqlDatabaseFromPool } from '../infrastructure/pg/sql-client';
import { createOrdersProjection } from '../projections/orders/model';
import { createPortfolioProjection } from '../projections/portfolio/model';
import { rebuildProjection } from '../projections/rebuild/rebuild';
import { createProgressBar } from '../scripts/progress-bar';
import { createTestDatabase } from '../test/support/pg-database';

const envInt = (name: string, fallback: number): number => {
  const raw = process.env[name];
  const value = raw === undefined ? fallback : Number.parseInt(raw, 10);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got ${raw}`);
  return value;
};
const ACCOUNTS = envInt('BENCH_ACCOUNTS', 21_000);
const ORDERS_PER_ACCOUNT = envInt('BENCH_ORDERS_PER_ACCOUNT', 15);
/** Events per account per append round: small, so each account's history is spread over the whole log. */
const EVENTS_PER_ROUND = 8;
const APPENDS_IN_FLIGHT = 8;
const T0 = Date.UTC(2026, 10, 24, 15, 0, 0);

const logger = pino({ name: 'bench-rebuild' }, pino.destination(2));

/** One account's history, decided by the account decider (so every event is one it could have written). */
const historyOf = (accountId: string): AccountEvent[] => {
  let state: AccountState = initialState;
  const events: AccountEvent[] = [];
  const apply = (command: AccountCommand) => {
    const decision = decide(command, state);
    if (E.isLeft(decision)) throw new Error(`${command.type} refused: ${decision.left.code}`);
    for (const event of decision.right) { state = evolve(state, event); events.push(event); }
  };
  const transferId = randomUUID();
  apply({ type: 'OpenAccount', data: { accountId, email: `${accountId}@example.com`, atMs: T0 } });
  apply({ type: 'RequestDeposit', data: { transferId, amount: asCash('1000.00'), atMs: T0 } });
  apply({ type: 'SettleDeposit', data: { transferId, atMs: T0 } });
  for (let i = 0; i < ORDERS_PER_ACCOUNT; i += 1) {
    const orderId = randomUUID();
    const atMs = T0 + i * 1000;
    apply({ type: 'PlaceOrder', data: { orderId, symbol: ['AAPL', 'MSFT', 'NVDA'][i % 3]!, side: 'buy', type: 'limit', quantity: asQuantity('0.5'), limitPrice: asPrice('10.00'), timeInForce: 'day', extendedHours: false, referencePrice: asPrice('10.00'), atMs } });
    apply({ type: 'AcknowledgeOrder', data: { orderId, venue: 'SIM', atMs } });
    apply({ type: 'ApplyFill', data: { orderId, execId: randomUUID(), quantity: asQuantity('0.5'), price: asPrice('9.99'), venue: 'SIM', atMs } });
  }
  return events;
};

const main = async (): Promise<void> => {
  const database = await createTestDatabase('bench_rebuild');
  const store = await createPostgresEventStore({ connectionString: database.url, poolSize: 8, listenForCommits: false });
  const db = sqlDatabaseFromPool(new Pool({ connectionString: database.url, max: 4 }), true);
  try {
    const accounts = Array.from({ length: ACCOUNTS }, () => randomUUID());
    const total = ACCOUNTS * (3 + 3 * ORDERS_PER_ACCOUNT);
    logger.info({ database: database.name, accounts: ACCOUNTS, events: total }, 'generating and appending the log');
    const loadBar = createProgressBar('events');
    let appended = 0;
    const rounds = Math.ceil((3 + 3 * ORDERS_PER_ACCOUNT) / EVENTS_PER_ROUND);
    const histories = new Map<string, AccountEvent[]>();
    for (const accountId of accounts) histories.set(accountId, historyOf(accountId));
    for (let round = 0; round < rounds; round += 1) {
      let next = 0;
      const worker = async () => {
        while (next < accounts.length) {
          const accountId = accounts[next]!;
          next += 1;
          const events = histories.get(accountId)!.slice(round * EVENTS_PER_ROUND, (round + 1) * EVENTS_PER_ROUND);
          if (events.length === 0) continue;
          await store.appendToStream(`account-${accountId}`, events.map((event) => ({ id: randomUUID(), type: event.type, data: event.data })), { expectedRevision: 'any' });
          appended += events.length;
          loadBar.update(appended, total, `round ${round + 1}/${rounds}`);
        }
      };
      await Promise.all(Array.from({ length: APPENDS_IN_FLIGHT }, worker));
    }
    loadBar.finish(appended, total, 'log written');
    histories.clear();

    // Reference: the events alone, read in order through the same port the rebuild reads from.
    const scanBar = createProgressBar('events');
    let scanned = 0;
    const scanStarted = Date.now();
    for await (const event of store.readAll()) { scanned += 1; if (event.position > 0n && scanned % 10_000 === 0) scanBar.update(scanned, appended, 'ordered scan'); }
    const scanS = (Date.now() - scanStarted) / 1000;
    scanBar.finish(scanned, appended, 'ordered scan');

    const results: Array<{ what: string; events: number; seconds: number; perS: number }> = [{ what: 'reference: ordered readAll scan, no model', events: scanned, seconds: scanS, perS: scanned / scanS }];
    for (const projection of [createPortfolioProjection(), createOrdersProjection()]) {
      const bar = createProgressBar('events');
      const started = Date.now();
      const result = await rebuildProjection({ store, db, projection, onProgress: (p) => bar.update(p.events, appended, p.phase) });
      const seconds = (Date.now() - started) / 1000;
      bar.finish(result.events, appended, `${projection.name} swapped in`);
      results.push({ what: `rebuild ${projection.name}`, events: result.events, seconds, perS: result.events / seconds });
    }
    process.stdout.write('\n| what | events | seconds | events/s |\n|---|---|---|---|\n');
    for (const r of results) process.stdout.write(`| ${r.what} | ${r.events.toLocaleString('en-US')} | ${r.seconds.toFixed(1)} | ${Math.round(r.perS).toLocaleString('en-US')} |\n`);
  } finally {
    await db.close();
    await store.close();
    await database.drop();
  }
};

main().catch((error: unknown) => {
  logger.error({ err: error }, 'bench failed');
  process.exit(1);
});
