/**
 * Append throughput: Emmett's PostgreSQL event store against ours, same database, same workload.
 *   npx tsx bench/append.ts
 * Env: BENCH_DURATION_S (15), BENCH_WARMUP_S (2), BENCH_IN_FLIGHT (16), BENCH_ACCOUNTS (5000), BENCH_POOL_SIZE (8).
 */
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { STREAM_DOES_NOT_EXIST } from '@event-driven-io/emmett';
import { getPostgreSQLEventStore } from '@event-driven-io/emmett-postgresql';
import { createPostgresEventStore } from '../infrastructure/event-store/postgres';
import { createTestDatabase } from '../test/support/pg-database';
import { type AppendTarget, runAppendWorkload, type WorkloadResult } from './lib/append-workload';

const envInt = (name: string, fallback: number): number => {
  const raw = process.env[name];
  const value = raw === undefined ? fallback : Number.parseInt(raw, 10);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got ${raw}`);
  return value;
};

const DURATION_S = envInt('BENCH_DURATION_S', 15);
const WARMUP_S = envInt('BENCH_WARMUP_S', 2);
const IN_FLIGHT = envInt('BENCH_IN_FLIGHT', 16);
const ACCOUNTS = envInt('BENCH_ACCOUNTS', 5_000);
const POOL_SIZE = envInt('BENCH_POOL_SIZE', 8);

const logger = pino({ name: 'bench-append' });
const accountStream = (index: number) => `account-${index}`;
const depositData = (index: number) => ({ accountId: String(index), amountDecimal: '100.00', schemaVersion: 1 });

const main = async (): Promise<void> => {
  const database = await createTestDatabase('bench_append');
  logger.info({ database: database.name, durationS: DURATION_S, warmupS: WARMUP_S, inFlight: IN_FLIGHT, accounts: ACCOUNTS }, 'fresh database');
  const workload = { inFlight: IN_FLIGHT, accounts: ACCOUNTS, durationMs: DURATION_S * 1000, warmupMs: WARMUP_S * 1000, logger };
  const results: WorkloadResult[] = [];
  try {
    const emmett = getPostgreSQLEventStore(database.url);
    // Creates its schema up front so the first appends don't pay for it.
    await emmett.appendToStream('bench-warmup', [{ type: 'Warmup', data: {} }]);
    const emmettTarget: AppendTarget<bigint> = {
      name: 'emmett-postgresql',
      append: async (index, expected) => {
        const result = await emmett.appendToStream(accountStream(index), [{ type: 'FundsDeposited', data: depositData(index) }],
          { expectedStreamVersion: expected ?? STREAM_DOES_NOT_EXIST });
        return result.nextExpectedStreamVersion;
      },
    };
    results.push(await runAppendWorkload(emmettTarget, workload));
    await emmett.close();

    const ours = await createPostgresEventStore({ connectionString: process.env.BENCH_PG_OPTIONS ? `${database.url}?options=${encodeURIComponent(process.env.BENCH_PG_OPTIONS)}` : database.url, poolSize: POOL_SIZE });
    const oursTarget: AppendTarget<bigint> = {
      name: 'ours (pg, group commit)',
      append: async (index, expected) => {
        const result = await ours.appendToStream(accountStream(index), [{ id: randomUUID(), type: 'FundsDeposited', data: depositData(index) }],
          { expectedRevision: expected ?? 'no_stream' });
        if (result.kind !== 'Appended') throw new Error(`unexpected conflict on ${accountStream(index)}`);
        return result.nextRevision;
      },
    };
    results.push(await runAppendWorkload(oursTarget, workload));
    await ours.close();
  } finally {
    await database.drop();
  }

  const [emmettResult, oursResult] = results;
  console.table(results.map((r) => ({
    store: r.name, appends: r.appends, 'appends/s': Math.round(r.appendsPerSecond), 'p50 ms': r.p50Ms.toFixed(2), 'p99 ms': r.p99Ms.toFixed(2), errors: r.errors,
  })));
  if (emmettResult && oursResult) {
    console.log(`ratio (ours / emmett appends/s): ${(oursResult.appendsPerSecond / emmettResult.appendsPerSecond).toFixed(2)}x`);
  }
};

main().catch((error: unknown) => {
  logger.error({ err: error }, 'benchmark failed');
  process.exitCode = 1;
});
