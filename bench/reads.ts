/**
 * bench/reads: GET /v1/portfolio through the real API process (distributed mode, read models in PostgreSQL)
 * with the projections process live and orders flowing, against a reference measured in the same run on the
 * same server: GET /v1/assets/AAPL (authenticated nothing, no database: the HTTP stack alone).
 *
 *   npx tsx bench/reads.ts      # READS_BENCH_SECONDS=20 READS_BENCH_ACCOUNTS=2000 READS_BENCH_CONNECTIONS=32 READS_BENCH_ORDERS_PER_S=100
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import autocannon from 'autocannon';
import * as E from 'fp-ts/Either';
import { executeAccountCommand } from '../commands/accounts/account-stream';
import type { AccountCommand } from '../domain/account';
import { asCash, asPrice, asQuantity } from '../domain/money';
import { signAccessToken } from '../infrastructure/auth/jwt';
import { createPostgresEventStore } from '../infrastructure/event-store/postgres';
import { createTestDatabase } from '../test/support/pg-database';
import { startChildServer } from './lib/child-server';

const DURATION_S = Number(process.env.READS_BENCH_SECONDS ?? 20);
const ACCOUNTS = Number(process.env.READS_BENCH_ACCOUNTS ?? 2000);
const CONNECTIONS = Number(process.env.READS_BENCH_CONNECTIONS ?? 32);
const ORDERS_PER_S = Number(process.env.READS_BENCH_ORDERS_PER_S ?? 100);
const SETUP_IN_FLIGHT = 16;
const API_PORT = Number(process.env.READS_BENCH_PORT ?? 18_180);
const JWT_SECRET = randomUUID() + randomUUID();
const SYMBOLS = ['AAPL', 'MSFT', 'NVDA'];

const log = (message: string) => process.stdout.write(`[bench/reads] ${message}\n`);

/** Accounts with cash and two filled positions each, so every portfolio read prices positions. */
const setUpAccounts = async (databaseUrl: string): Promise<string[]> => {
  const store = await createPostgresEventStore({ connectionString: databaseUrl, poolSize: 8 });
  const accountIds = Array.from({ length: ACCOUNTS }, () => randomUUID());
  const atMs = Date.now();
  let done = 0;
  const open = async (accountId: string) => {
    const transferId = randomUUID();
    const commands: AccountCommand[] = [
      { type: 'OpenAccount', data: { accountId, email: `${accountId}@bench.local`, atMs } },
      { type: 'RequestDeposit', data: { transferId, amount: asCash('100000.00'), atMs } },
      { type: 'SettleDeposit', data: { transferId, atMs } },
    ];
    for (const symbol of SYMBOLS.slice(0, 2)) {
      const orderId = randomUUID();
      commands.push(
        { type: 'PlaceOrder', data: { orderId, symbol, side: 'buy', type: 'limit', quantity: asQuantity('3'), limitPrice: asPrice('100.00'), timeInForce: 'day', extendedHours: false, referencePrice: asPrice('100.00'), atMs } },
        { type: 'AcknowledgeOrder', data: { orderId, venue: 'SIM', atMs } },
        { type: 'ApplyFill', data: { orderId, execId: randomUUID(), quantity: asQuantity('3'), price: asPrice('99.50'), venue: 'SIM', atMs } },
      );
    }
    for (const [index, command] of commands.entries()) {
      const result = await executeAccountCommand(store, accountId, command, { metadata: { actor: 'system:bench' }, eventIdSource: `${accountId}/${index}` });
      if (E.isLeft(result)) throw new Error(`setup ${command.type}: ${result.left.code}`);
    }
    done += 1;
    if (done % 500 === 0) log(`accounts ready: ${done}/${ACCOUNTS}`);
  };
  for (let i = 0; i < accountIds.length; i += SETUP_IN_FLIGHT) await Promise.all(accountIds.slice(i, i + SETUP_IN_FLIGHT).map(open));
  await store.close();
  return accountIds;
};

const hammer = (url: string, path: string, tokens: readonly string[]) => new Promise<autocannon.Result>((resolve, reject) => {
  let sequence = 0;
  const instance = autocannon({
    url, connections: CONNECTIONS, duration: DURATION_S, pipelining: 1,
    requests: [{ method: 'GET', path, setupRequest: (request) => { sequence += 1; return { ...request, headers: { authorization: `Bearer ${tokens[sequence % tokens.length]}` } }; } }],
  }, (error, finished) => (error ? reject(error) : resolve(finished)));
  let second = 0;
  (instance as unknown as NodeJS.EventEmitter).on('tick', (counter: { counter: number }) => { second += 1; if (second % 5 === 0) log(`${path} ${second}s: ${counter.counter} reads in the last second`); });
});

const main = async () => {
  log(`machine: ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}, node ${process.version}`);
  const database = await createTestDatabase('bench_reads');
  try {
    log(`database ${database.name}; ${ACCOUNTS} accounts with two positions each`);
    const accountIds = await setUpAccounts(database.url);
    const tokens = accountIds.map((accountId) => signAccessToken({ accountId }, JWT_SECRET, 3600));
    const env = { RUN_MODE: 'distributed', DATABASE_URL: database.url, REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', JWT_SECRET, LOG_LEVEL: 'warn' };
    const projections = await startChildServer('scripts/start-projections.ts', API_PORT + 4, env);
    const api = await startChildServer('scripts/start-api.ts', API_PORT, env);
    // Orders flowing while we read: a steady trickle of limit buys through the API, applied by the live projections.
    let flowing = true;
    let placed = 0;
    const flow = (async () => {
      while (flowing) {
        const account = placed % ACCOUNTS;
        placed += 1;
        void fetch(`${api.url}/v1/orders`, {
          method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[account]}`, 'idempotency-key': randomUUID() },
          body: JSON.stringify({ symbol: SYMBOLS[placed % SYMBOLS.length], side: 'buy', type: 'limit', quantity: '0.01', limit_price: '100.00', time_in_force: 'day' }),
        }).catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, 1000 / ORDERS_PER_S));
      }
    })();
    log(`API ${api.url}, projections ${projections.url}; ${CONNECTIONS} connections for ${DURATION_S} s each; ~${ORDERS_PER_S} orders/s flowing`);
    const reference = await hammer(api.url, '/v1/assets/AAPL', tokens);
    const portfolio = await hammer(api.url, '/v1/portfolio', tokens);
    flowing = false;
    await flow;
    const lag = await (await fetch(`${projections.url}/healthz`)).json();
    await api.stop();
    await projections.stop();
    const row = (what: string, r: autocannon.Result) => {
      const latency = r.latency as unknown as Record<string, number>;
      return { what, 'reads/s': Math.round(r.requests.average), 'p50 ms': latency.p50, 'p99 ms': latency.p99, errors: r.errors, non2xx: r.non2xx };
    };
    console.table([row('GET /v1/portfolio', portfolio), row('reference: GET /v1/assets/AAPL', reference)]);
    log(`orders placed meanwhile: ${placed}; projections after: ${JSON.stringify(lag)}; load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  } finally {
    await database.drop();
  }
};

main().catch((error: unknown) => { console.error(error); process.exit(1); });
