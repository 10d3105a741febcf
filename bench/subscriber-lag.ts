/**
 * Subscriber lag behind a long transaction in ANOTHER database of the same PostgreSQL server.
 *   npx tsx bench/subscriber-lag.ts
 * Env: BENCH_PHASE_S (8), BENCH_APPEND_INTERVAL_MS (20), BENCH_LONG_TX_MS (2500), BENCH_IDLE_TIMEOUT_MS (500).
 *
 * A subscriber reads only positions below pg_snapshot_xmin, and that horizon is the server's oldest
 * transaction in flight in ANY database. One writer appends an event every interval; a subscriber of
 * another store instance (as another process would) records when each arrives. Three phases:
 *   reference      nothing else on the server: the lag the store itself adds;
 *   long tx        a session in another database opens a transaction, takes an xid and sits 2.5 s;
 *   idle timeout   the same session with idle_in_transaction_session_timeout set: the server ends it.
 * Lag of an event = arrival at the subscriber minus the writer's acknowledgement.
 */
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import pino from 'pino';
import { createPostgresEventStore } from '../infrastructure/event-store/postgres';
import type { EventStore } from '../infrastructure/event-store/port';
import { createTestDatabase, type TestDatabase } from '../test/support/pg-database';

const envInt = (name: string, fallback: number): number => {
  const raw = process.env[name];
  const value = raw === undefined ? fallback : Number.parseInt(raw, 10);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got ${raw}`);
  return value;
};

const PHASE_MS = envInt('BENCH_PHASE_S', 8) * 1000;
const APPEND_INTERVAL_MS = envInt('BENCH_APPEND_INTERVAL_MS', 20);
const LONG_TX_MS = envInt('BENCH_LONG_TX_MS', 2_500);
const IDLE_TIMEOUT_MS = envInt('BENCH_IDLE_TIMEOUT_MS', 500);
/** The long transaction starts this long into its phase, so the phase shows lag before, during and after. */
const LONG_TX_START_MS = 1_000;
const PROGRESS_EVERY_MS = 2_000;

const logger = pino({ name: 'bench-subscriber-lag' });

type PhaseResult = { readonly phase: string; readonly events: number; readonly p50Ms: number; readonly p99Ms: number; readonly maxMs: number };

const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

/** Opens a transaction in the other database that takes an xid, as any write does, and leaves it idle. */
const holdTransaction = async (other: TestDatabase, idleTimeoutMs: number | undefined): Promise<void> => {
  const client = new Client({ connectionString: other.url, ...(idleTimeoutMs ? { options: `-c idle_in_transaction_session_timeout=${idleTimeoutMs}` } : {}) });
  client.on('error', () => undefined); // the server ends the idle session in the last phase
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_current_xact_id()');
    await new Promise((resolve) => setTimeout(resolve, LONG_TX_MS));
    await client.query('COMMIT').catch(() => undefined);
  } finally {
    await client.end().catch(() => undefined);
  }
};

const runPhase = async (phase: string, writer: EventStore, reader: EventStore, longTx: (() => Promise<void>) | undefined): Promise<PhaseResult> => {
  const prefix = `lag${randomUUID().slice(0, 8)}_`;
  const ackedAtMs = new Map<string, number>();
  const lagsMs: number[] = [];
  const controller = new AbortController();
  const start = (await reader.headPosition()).position;
  const subscriber = (async () => {
    for await (const event of reader.subscribeToAll({ fromPosition: start, filter: { streamPrefixes: [prefix] }, signal: controller.signal })) {
      const acked = ackedAtMs.get(event.id);
      lagsMs.push(acked === undefined ? 0 : performance.now() - acked);
    }
  })();
  const phaseStartMs = performance.now();
  const holder = longTx === undefined ? undefined : new Promise((resolve) => setTimeout(resolve, LONG_TX_START_MS)).then(longTx);
  let written = 0;
  let nextProgressMs = phaseStartMs + PROGRESS_EVERY_MS;
  while (performance.now() - phaseStartMs < PHASE_MS) {
    const id = randomUUID();
    const result = await writer.appendToStream(`${prefix}${written}`, [{ id, type: 'Ticked', data: { n: written } }], { expectedRevision: 'no_stream' });
    if (result.kind !== 'Appended') throw new Error('unexpected conflict');
    ackedAtMs.set(id, performance.now());
    written += 1;
    if (performance.now() >= nextProgressMs) {
      logger.info({ phase, written, delivered: lagsMs.length, maxLagMs: Math.round(Math.max(0, ...lagsMs)) }, 'progress');
      nextProgressMs += PROGRESS_EVERY_MS;
    }
    await new Promise((resolve) => setTimeout(resolve, APPEND_INTERVAL_MS));
  }
  await holder;
  for (let waits = 0; waits < 500 && lagsMs.length < written; waits += 1) await new Promise((resolve) => setTimeout(resolve, 10));
  controller.abort();
  await subscriber;
  if (lagsMs.length !== written) throw new Error(`${phase}: ${lagsMs.length} of ${written} events delivered`);
  const sorted = [...lagsMs].sort((a, b) => a - b);
  return { phase, events: written, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), maxMs: sorted[sorted.length - 1] ?? 0 };
};

const main = async (): Promise<void> => {
  const storeDb = await createTestDatabase('bench_lag_store');
  const otherDb = await createTestDatabase('bench_lag_other');
  const silent = pino({ level: 'silent' });
  const writer = await createPostgresEventStore({ connectionString: storeDb.url, poolSize: 4, logger: silent });
  const reader = await createPostgresEventStore({ connectionString: storeDb.url, poolSize: 2, logger: silent });
  logger.info({ phaseMs: PHASE_MS, appendIntervalMs: APPEND_INTERVAL_MS, longTxMs: LONG_TX_MS, idleTimeoutMs: IDLE_TIMEOUT_MS }, 'starting');
  try {
    const results = [
      await runPhase('reference (nothing else open)', writer, reader, undefined),
      await runPhase(`${LONG_TX_MS} ms transaction in another database`, writer, reader, () => holdTransaction(otherDb, undefined)),
      await runPhase(`same, idle_in_transaction_session_timeout=${IDLE_TIMEOUT_MS}ms`, writer, reader, () => holdTransaction(otherDb, IDLE_TIMEOUT_MS)),
    ];
    const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
    process.stdout.write(`\n${line(['phase', 'events', 'lag p50 ms', 'lag p99 ms', 'lag max ms'])}\n${line(['---', '---:', '---:', '---:', '---:'])}\n`);
    for (const r of results) process.stdout.write(`${line([r.phase, String(r.events), r.p50Ms.toFixed(1), r.p99Ms.toFixed(1), r.maxMs.toFixed(1)])}\n`);
  } finally {
    await writer.close();
    await reader.close();
    await storeDb.drop();
    await otherDb.drop();
  }
};

main().catch((error: unknown) => {
  logger.error({ err: error }, 'bench failed');
  process.exit(1);
});
