/**
 * bench/orders: POST /v1/orders against the PostgreSQL event store, through the real API process
 * (idempotency in Redis, limits on), spread over enough accounts that the per-account limits never bind.
 *
 *   npx tsx bench/orders.ts            # ORDERS_BENCH_SECONDS=30 ORDERS_BENCH_ACCOUNTS=4000 ORDERS_BENCH_CONNECTIONS=64
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import autocannon from 'autocannon';
import * as E from 'fp-ts/Either';
import { executeAccountCommand } from '../commands/accounts/account-stream';
import { asCash } from '../domain/money';
import { signAccessToken } from '../infrastructure/auth/jwt';
import { createPostgresEventStore } from '../infrastructure/event-store/postgres';
import { createTestDatabase } from '../test/support/pg-database';
import { startChildServer } from './lib/child-server';

const DURATION_S = Number(process.env.ORDERS_BENCH_SECONDS ?? 30);
const ACCOUNTS = Number(process.env.ORDERS_BENCH_ACCOUNTS ?? 4000);
const CONNECTIONS = Number(process.env.ORDERS_BENCH_CONNECTIONS ?? 64);
const SETUP_IN_FLIGHT = 32;
const PORT = Number(process.env.ORDERS_BENCH_PORT ?? 18_080);
const JWT_SECRET = randomUUID() + randomUUID();
const SYMBOLS = ['AAPL', 'MSFT', 'NVDA', 'AMZN', 'GOOGL', 'META', 'JPM', 'V', 'XOM', 'KO'];

const log = (message: string) => process.stdout.write(`[bench/orders] ${message}\n`);

const setUpAccounts = async (databaseUrl: string): Promise<string[]> => {
  const store = await createPostgresEventStore({ connectionString: databaseUrl, poolSize: 8 });
  const accountIds = Array.from({ length: ACCOUNTS }, () => randomUUID());
  let done = 0;
  const atMs = Date.now();
  const open = async (accountId: string) => {
    const context = { metadata: { actor: 'system:bench' } };
    const transferId = randomUUID();
    for (const command of [
      { type: 'OpenAccount' as const, data: { accountId, email: `${accountId}@bench.local`, atMs } },
      { type: 'RequestDeposit' as const, data: { transferId, amount: asCash('1000000.00'), atMs } },
      { type: 'SettleDeposit' as const, data: { transferId, atMs } },
    ]) {
      const result = await executeAccountCommand(store, accountId, command, { ...context, eventIdSource: `${command.type}/${transferId}` });
      if (E.isLeft(result)) throw new Error(`setup ${command.type}: ${result.left.code}`);
    }
    done += 1;
    if (done % 1000 === 0) log(`accounts ready: ${done}/${ACCOUNTS}`);
  };
  for (let i = 0; i < accountIds.length; i += SETUP_IN_FLIGHT) await Promise.all(accountIds.slice(i, i + SETUP_IN_FLIGHT).map(open));
  await store.close();
  return accountIds;
};

const main = async () => {
  log(`machine: ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`);
  const database = await createTestDatabase('bench_orders');
  try {
    log(`database ${database.name}; opening and funding ${ACCOUNTS} accounts`);
    const accountIds = await setUpAccounts(database.url);
    const tokens = accountIds.map((accountId) => signAccessToken({ accountId }, JWT_SECRET, 3600));
    const server = await startChildServer('scripts/start-api.ts', PORT, {
      RUN_MODE: 'distributed', DATABASE_URL: database.url, REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      JWT_SECRET, LOG_LEVEL: 'warn', IDEMPOTENCY_TTL_MS: String((DURATION_S + 60) * 1000),
    });
    log(`API up at ${server.url}; ${CONNECTIONS} connections for ${DURATION_S} s`);
    let sequence = 0;
    const statusCounts = new Map<number, number>();
    const result = await new Promise<autocannon.Result>((resolve, reject) => {
      const instance = autocannon({
        url: server.url, connections: CONNECTIONS, duration: DURATION_S, pipelining: 1,
        requests: [{
          method: 'POST', path: '/v1/orders',
          setupRequest: (request) => {
            sequence += 1;
            const account = sequence % ACCOUNTS;
            return {
              ...request,
              headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[account]}`, 'idempotency-key': `bench-${sequence}` },
              body: JSON.stringify({ symbol: SYMBOLS[sequence % SYMBOLS.length], side: 'buy', type: 'limit', quantity: '1', limit_price: '100.00', time_in_force: 'day' }),
            };
          },
          onResponse: (status) => { statusCounts.set(status, (statusCounts.get(status) ?? 0) + 1); },
        }],
      }, (error, finished) => (error ? reject(error) : resolve(finished)));
      let second = 0;
      (instance as unknown as NodeJS.EventEmitter).on('tick', (counter: { counter: number }) => { second += 1; if (second % 5 === 0) log(`${second}s: ${counter.counter} orders in the last second`); });
    });
    await server.stop();
    const ok = statusCounts.get(201) ?? 0;
    const latency = result.latency as unknown as Record<string, number>;
    log(`statuses: ${JSON.stringify(Object.fromEntries(statusCounts))}`);
    console.table([{
      'orders/s (201)': Math.round(ok / DURATION_S), 'requests/s': Math.round(result.requests.average),
      'p50 ms': latency.p50, 'p99 ms': latency.p99, 'p99.9 ms': latency.p99_9, 'max ms': latency.max, errors: result.errors, non2xx: result.non2xx,
    }]);
  } finally {
    await database.drop();
  }
};

main().catch((error: unknown) => { console.error(error); process.exit(1); });
