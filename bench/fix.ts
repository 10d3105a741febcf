/**
 * Execution round trip: order committed (PlaceOrder on the account stream) → engine → NewOrderSingle over a real
 * FIX session → simulated venue (fills at once) → ExecutionReports → fill booked on the account stream.
 *   npx tsx bench/fix.ts
 * Env: BENCH_ORDERS (3000), BENCH_ACCOUNTS (500), BENCH_IN_FLIGHT (64).
 * Reference, same run and database: the same number of bare one-event appends at the same concurrency.
 */
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { createAccounts } from '../commands/accounts/account-stream';
import { alwaysOpen } from '../domain/market-hours/calendar';
import { asCash, asPrice, asQuantity } from '../domain/money';
import { startGateway } from '../fix-gateway/gateway';
import { createPostgresEventStore } from '../infrastructure/event-store/postgres';
import { createLogger } from '../infrastructure/logging';
import { createInMemoryMarketData } from '../infrastructure/market/in-memory';
import { sqlDatabaseFromPool } from '../infrastructure/pg/sql-client';
import { decimalToTicks } from '../streaming/market/ticks';
import { createTestDatabase } from '../test/support/pg-database';
import { VENUE_PROFILES } from '../venue-sim/profiles';
import { startVenue } from '../venue-sim/venue';
import { VenueQuotes } from '../venue-sim/venue-quotes';

const envInt = (name: string, fallback: number): number => {
  const value = Number.parseInt(process.env[name] ?? String(fallback), 10);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
  return value;
};
const ORDERS = envInt('BENCH_ORDERS', 3_000);
const ACCOUNTS = envInt('BENCH_ACCOUNTS', 500);
const IN_FLIGHT = envInt('BENCH_IN_FLIGHT', 64);
const PROGRESS_EVERY_MS = 1_000;
const DRAIN_TIMEOUT_MS = 120_000;

const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

const main = async () => {
  const logger = createLogger({ level: 'warn' });
  const db = await createTestDatabase('bench_fix');
  const store = await createPostgresEventStore({ connectionString: db.url, poolSize: 8 });
  const pool = new Pool({ connectionString: db.url, max: 6 });
  pool.on('error', () => undefined); // the drop at the end terminates idle connections
  const database = sqlDatabaseFromPool(pool, true);
  try {
    const quotes = new VenueQuotes();
    quotes.set('AAPL', { bidTicks: decimalToTicks('189.99')!, askTicks: decimalToTicks('190.01')!, bidSize: 1_000_000_000, askSize: 1_000_000_000 });
    const venue = await startVenue({ profile: { ...VENUE_PROFILES.XNAS, latencyMs: 0, fillRate: 1, rejectRate: 0, partialFillRate: 0 }, database, quotes, logger, chance: () => 0.5 });
    const market = createInMemoryMarketData();
    await market.writeBatch([{ kind: 'quote', symbol: 'AAPL', json: JSON.stringify({ symbol: 'AAPL', bid: '189.99', ask: '190.01', bid_size: 1, ask_size: 1, last: null, volume: 0, ts: new Date().toISOString() }) }]);
    const gateway = await startGateway({
      store, database, market, marketHours: alwaysOpen, logger,
      venues: [{ name: 'XNAS', host: '127.0.0.1', port: venue.port, senderCompId: 'BROKER', targetCompId: 'XNAS', orderTypes: ['market', 'limit'] }],
      quotes: { quotesOf: async () => [{ venue: 'XNAS', bid: '189.99', ask: '190.01' }] },
    });
    await gateway.loggedOn();

    const accounts = createAccounts(store);
    const accountIds = Array.from({ length: ACCOUNTS }, () => randomUUID());
    process.stdout.write(`funding ${ACCOUNTS} accounts…\n`);
    for (const accountId of accountIds) {
      const atMs = Date.now();
      await accounts.execute(accountId, { type: 'OpenAccount', data: { accountId, email: `${accountId}@bench`, atMs } }, { eventIdSource: `open/${accountId}`, metadata: {} });
      await accounts.execute(accountId, { type: 'RequestDeposit', data: { transferId: 't1', amount: asCash('1000000.00'), atMs } }, { eventIdSource: `dep/${accountId}`, metadata: {} });
      await accounts.execute(accountId, { type: 'SettleDeposit', data: { transferId: 't1', atMs } }, { eventIdSource: `set/${accountId}`, metadata: {} });
    }

    // Fills booked, seen on the store's subscription: the time from the order's commit to its fill's.
    // The steps between, seen the same way, say where the time goes: routed (the engine), acknowledged (the
    // NewOrderSingle out and the venue's first report booked), filled (the fill booked).
    const committedAt = new Map<string, number>();
    // The PlaceOrder command's own time: its stream is written by the gateway too, so it often decides again after a conflict.
    const placeMs: number[] = [];
    const latenciesMs: number[] = [];
    const stepMs = { OrderRouted: [] as number[], OrderSubmitted: [] as number[] };
    const abort = new AbortController();
    const head = (await store.headPosition()).position;
    const watching = (async () => {
      for await (const e of store.subscribeToAll({ fromPosition: head, filter: { eventTypes: ['OrderRouted', 'OrderSubmitted', 'OrderFilled'] }, signal: abort.signal })) {
        const start = committedAt.get((e.data as { orderId: string }).orderId);
        if (start === undefined) continue;
        if (e.type === 'OrderFilled') latenciesMs.push(performance.now() - start);
        else stepMs[e.type as keyof typeof stepMs].push(performance.now() - start);
        if (latenciesMs.length >= ORDERS) return;
      }
    })();

    process.stdout.write(`placing ${ORDERS} market orders, ${IN_FLIGHT} in flight…\n`);
    const startedMs = performance.now();
    const progress = setInterval(() => process.stdout.write(`  ${committedAt.size} committed, ${latenciesMs.length} filled\n`), PROGRESS_EVERY_MS);
    let next = 0;
    const worker = async () => {
      while (next < ORDERS) {
        const n = next++;
        const accountId = accountIds[n % ACCOUNTS]!;
        const orderId = randomUUID();
        const placingMs = performance.now();
        const placed = await accounts.execute(accountId, {
          type: 'PlaceOrder', data: { orderId, symbol: 'AAPL', side: 'buy', type: 'market', quantity: asQuantity('1'), timeInForce: 'day', extendedHours: false, referencePrice: asPrice('190.01'), atMs: Date.now() },
        }, { eventIdSource: orderId, metadata: {} });
        if (placed._tag === 'Left') throw new Error(`order refused: ${placed.left.code}`);
        committedAt.set(orderId, performance.now());
        placeMs.push(performance.now() - placingMs);
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    const drained = await Promise.race([watching.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), DRAIN_TIMEOUT_MS))]);
    const elapsedS = (performance.now() - startedMs) / 1000;
    clearInterval(progress);
    abort.abort();
    await gateway.stop();
    await venue.stop();

    // Reference: bare appends of one event each, same store, same concurrency.
    process.stdout.write('reference: bare appends…\n');
    let appended = 0;
    const refStart = performance.now();
    await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
      while (appended < ORDERS) {
        appended += 1;
        await store.appendToStream(`ref-${randomUUID()}`, [{ id: randomUUID(), type: 'Ref', data: {} }], { expectedRevision: 'no_stream' });
      }
    }));
    const refPerS = ORDERS / ((performance.now() - refStart) / 1000);

    const sorted = [...latenciesMs].sort((a, b) => a - b);
    const row = (label: string, value: string) => process.stdout.write(`${label.padEnd(44)} ${value}\n`);
    process.stdout.write('\n');
    row('orders filled end to end', `${latenciesMs.length} of ${ORDERS}${drained ? '' : ' (timed out)'}`);
    row('round trips/s (commit → NOS → fill booked)', (latenciesMs.length / elapsedS).toFixed(0));
    row('latency p50 / p99 (ms)', `${percentile(sorted, 50).toFixed(1)} / ${percentile(sorted, 99).toFixed(1)}`);
    const p50 = (values: number[]) => percentile([...values].sort((a, b) => a - b), 50).toFixed(1);
    row('  p50 commit → routed / → acknowledged (ms)', `${p50(stepMs.OrderRouted)} / ${p50(stepMs.OrderSubmitted)}`);
    row('  p50 / p99 PlaceOrder command (ms)', `${p50(placeMs)} / ${percentile([...placeMs].sort((a, b) => a - b), 99).toFixed(1)}`);
    row('reference: bare one-event appends/s', refPerS.toFixed(0));
  } finally {
    await database.close();
    await store.close();
    await db.drop();
  }
};

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
