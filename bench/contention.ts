/**
 * Commands on one stream while another process appends to it in bursts: how many lose every round to
 * the rival (SYS_CONCURRENCY_RETRIES_EXHAUSTED) and what the conflicts cost in latency. The rival stands for
 * the FIX gateway booking an account's routing, acknowledgements and fills while its owner places orders.
 *   npx tsx bench/contention.ts
 * Env: BENCH_COMMANDS (600), BENCH_THINK_MS (2, between the placer's commands),
 *      BENCH_BURST (3 appends), BENCH_BURST_GAP_MS (5–30: a random gap in that range between bursts).
 * The reference is the same commands with no rival, in the same run.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as E from 'fp-ts/Either';
import * as t from 'io-ts';
import pino from 'pino';
import { ConcurrencyRetriesExhausted, handleCommand } from '../commands/command-handler';
import type { Decider, EventCodec } from '../commands/decider';
import { StreamStateCache } from '../commands/state-cache';
import { createPostgresEventStore } from '../infrastructure/event-store/postgres';
import type { EventStore } from '../infrastructure/event-store/port';
import { createTestDatabase } from '../test/support/pg-database';

const envInt = (name: string, fallback: number): number => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer`);
  return value;
};
const COMMANDS = envInt('BENCH_COMMANDS', 600);
const THINK_MS = envInt('BENCH_THINK_MS', 2);
const BURST = envInt('BENCH_BURST', 3);
const [GAP_MIN_MS, GAP_MAX_MS] = (process.env.BENCH_BURST_GAP_MS ?? '5-30').split('-').map(Number) as [number, number];

type Added = { type: 'Added'; data: { by: string } };
const counter: Decider<{ by: string }, { count: number }, Added, never> = {
  initialState: { count: 0 },
  evolve: (state) => ({ count: state.count + 1 }),
  decide: (command) => E.right([{ type: 'Added', data: { by: command.by } }]),
  stateCodec: t.type({ count: t.number }),
};
const codec: EventCodec<Added> = {
  encode: (event) => ({ type: event.type, data: event.data }),
  decode: (_type, data) => E.right({ type: 'Added', data: data as Added['data'] }),
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One command as a process's command handler runs it (its own state cache, as in production). */
const commandRunner = (store: EventStore, streamId: string, by: string) => {
  const cache = new StreamStateCache<unknown>();
  let sequence = 0;
  return async () => {
    let conflicts = 0;
    const startedAt = performance.now();
    sequence += 1;
    const outcome = await handleCommand(store, counter, codec, { by }, {
      streamId, eventIdSource: `${by}/${sequence}`, metadata: { actor: by }, stateVersion: 1, cache,
      hooks: { onConflictRetry: () => { conflicts += 1; } },
    });
    const lost = E.isLeft(outcome) && (outcome.left as { code: string }).code === ConcurrencyRetriesExhausted;
    return { lost, conflicts, ms: performance.now() - startedAt } satisfies Outcome;
  };
};

const rival = async (url: string, streamId: string) => {
  const store = await createPostgresEventStore({ connectionString: url, listenForCommits: false });
  const run = commandRunner(store, streamId, 'rival');
  let stopping = false;
  process.on('SIGTERM', () => { stopping = true; });
  process.send?.('ready');
  const results: Outcome[] = [];
  while (!stopping) {
    for (let i = 0; i < BURST; i += 1) results.push(await run());
    await sleep(GAP_MIN_MS + Math.random() * (GAP_MAX_MS - GAP_MIN_MS));
  }
  await store.close();
  process.send?.(summary('the rival', results), () => process.disconnect());
};

const percentile = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
type Outcome = { readonly lost: boolean; readonly conflicts: number; readonly ms: number };
const summary = (who: string, results: readonly Outcome[]) => {
  const ms = results.map((r) => r.ms).sort((a, b) => a - b);
  return {
    who, commands: results.length, lost: results.filter((r) => r.lost).length, conflicts: results.reduce((n, r) => n + r.conflicts, 0),
    p50Ms: Number(percentile(ms, 0.5).toFixed(2)), p99Ms: Number(percentile(ms, 0.99).toFixed(2)), maxMs: Number((ms.at(-1) ?? 0).toFixed(2)),
  };
};

const main = async () => {
  const logger = pino({ name: 'bench-contention' });
  const database = await createTestDatabase('bench_contention');
  const store = await createPostgresEventStore({ connectionString: database.url, listenForCommits: false });
  const phase = async (label: string, streamId: string) => {
    const run = commandRunner(store, streamId, 'placer');
    const results: Outcome[] = [];
    for (let i = 0; i < COMMANDS; i += 1) {
      results.push(await run());
      await sleep(THINK_MS);
      if ((i + 1) % 100 === 0) logger.info({ phase: label, done: i + 1, of: COMMANDS }, 'progress');
    }
    return summary(label, results);
  };
  try {
    await createSchema(store);
    const alone = await phase('the placer alone (reference)', 'contention-alone');
    const child = spawn(process.execPath, [...process.execArgv, __filename, 'rival', database.url, 'contention-shared'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    await new Promise<void>((resolve, reject) => { child.once('message', () => resolve()); child.once('exit', (code) => reject(new Error(`rival exited ${code}`))); });
    const contended = await phase('the placer, with the rival', 'contention-shared');
    const rivalSummary = new Promise((resolve) => child.once('message', resolve));
    child.kill('SIGTERM');
    const rivalResult = await rivalSummary;
    console.log(JSON.stringify({ burst: BURST, gapMs: `${GAP_MIN_MS}-${GAP_MAX_MS}`, thinkMs: THINK_MS }));
    console.table([alone, contended, rivalResult]);
  } finally {
    await store.close();
    await database.drop();
  }
};
// Creates the schema before the rival starts, so neither races the other to it.
const createSchema = async (store: EventStore) => { await store.appendToStream('contention-warmup', [{ id: randomUUID(), type: 'Warmup', data: {} }], { expectedRevision: 'any' }); };

if (process.argv[2] === 'rival') void rival(process.argv[3]!, process.argv[4]!);
else void main();
