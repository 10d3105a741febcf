/**
 * Execution round trip: order committed (PlaceOrder on the account stream) → engine → NewOrderSingle over a real
 * FIX session → simulated venue (fills at once) → ExecutionReports → fill booked on the account stream.
 *   npx tsx bench/fix.ts
 * Closed loop end to end: BENCH_IN_FLIGHT workers each place an order and wait for its fill before the next,
 * so the latency is the pipeline's, not a queue in front of it.
 * Env: BENCH_ORDERS (3000), BENCH_ACCOUNTS (500), BENCH_IN_FLIGHT (64), BENCH_LAYOUT (processes | one):
 * `processes` runs the venue simulator and the gateway each in a process of its own, as distributed mode does
 * (`npm run start:venue`, `npm run start:fix-gateway`), the bench's process placing orders as the API would;
 * `one` runs all three in the bench's process.
 * Printed per order: CPU time of each process, PostgreSQL statements, appends and revision conflicts
 * (BENCH_PG_KINDS=1: each role process also prints its statements by kind when it stops).
 * Reference, same run and database: the same number of bare one-event appends at the same concurrency.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { createAccounts } from '../commands/accounts/account-stream';
import { asCash, asPrice, asQuantity } from '../domain/money';
import { createPostgresEventStore } from '../infrastructure/event-store/postgres';
import { createLogger } from '../infrastructure/logging';
import { createTestDatabase } from '../test/support/pg-database';
import { BENCH_ASK, BENCH_SYMBOL, countingStore, startBenchGateway, startBenchVenue, type AppendCounts } from './lib/fix-roles';
import type { RoleMessage, RoleUsage } from './lib/fix-role-process';
import { pgBackendCpu } from './lib/pg-backend-cpu';
import { machineCpuMs } from './lib/process-cpu';
import { countPgStatements } from './lib/pg-statements';
import { Pool } from 'pg';

const envInt = (name: string, fallback: number): number => {
  const value = Number.parseInt(process.env[name] ?? String(fallback), 10);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
  return value;
};
const ORDERS = envInt('BENCH_ORDERS', 3_000);
const ACCOUNTS = envInt('BENCH_ACCOUNTS', 500);
const IN_FLIGHT = envInt('BENCH_IN_FLIGHT', 64);
const LAYOUT = process.env.BENCH_LAYOUT ?? 'processes';
if (LAYOUT !== 'processes' && LAYOUT !== 'one') throw new Error('BENCH_LAYOUT must be processes or one');
const PROGRESS_EVERY_MS = 1_000;
/** The order phase gives up after this (a lost order would otherwise hold its worker forever) and says it timed out. */
const RUN_TIMEOUT_MS = 600_000;
/** A role process told to stop must be gone by then, or something it opened was left alive. */
const CHILD_EXIT_WAIT_MS = 10_000;

const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const cpuMsNow = () => { const cpu = process.cpuUsage(); return (cpu.user + cpu.system) / 1000; };

/** A server role as the bench drives it, wherever it runs. */
type Role = {
  readonly name: string;
  readonly port: number;
  usage(): Promise<RoleUsage>;
  /** Resolves whether its process exited by itself after stopping (true in process: nothing to check there). */
  stop(): Promise<boolean>;
};

const forkRole = async (role: 'venue' | 'gateway', args: readonly string[]): Promise<Role> => {
  // BENCH_CHILD_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the roles under load.
  const extraArgs = (process.env.BENCH_CHILD_NODE_ARGS ?? '').split(' ').filter((arg) => arg.length > 0);
  const child: ChildProcess = fork(path.join(__dirname, 'lib', 'fix-role-process.ts'), [role, ...args], { execArgv: [...extraArgs, '--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = (kind: RoleMessage['kind']) => new Promise<RoleMessage>((resolve, reject) => {
    const onMessage = (message: RoleMessage) => { if (message.kind === kind) { child.off('message', onMessage); child.off('exit', onExit); resolve(message); } };
    const onExit = (code: number | null) => { child.off('message', onMessage); reject(new Error(`${role} process exited with ${code} before '${kind}'`)); };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
  const ready = await next('ready');
  return {
    name: `${role} process`,
    port: ready.kind === 'ready' ? ready.port : 0,
    usage: async () => {
      const answer = next('usage');
      child.send('usage');
      const message = await answer;
      if (message.kind !== 'usage') throw new Error('unexpected answer');
      return message.usage;
    },
    stop: async () => {
      const exited = new Promise<boolean>((resolve) => {
        if (child.exitCode !== null) { resolve(true); return; }
        const timer = setTimeout(() => { child.kill('SIGKILL'); resolve(false); }, CHILD_EXIT_WAIT_MS);
        child.once('exit', () => { clearTimeout(timer); resolve(true); });
      });
      child.send('stop');
      return exited;
    },
  };
};

const main = async () => {
  const logger = createLogger({ level: 'warn' });
  const statements = countPgStatements();
  const db = await createTestDatabase('bench_fix');
  const store = await createPostgresEventStore({ connectionString: db.url, poolSize: 8 });
  const placing: AppendCounts = { appends: 0, conflicts: 0 };
  try {
    let venue: Role;
    let gateway: Role;
    if (LAYOUT === 'processes') {
      venue = await forkRole('venue', [db.url]);
      gateway = await forkRole('gateway', [db.url, String(venue.port)]);
    } else {
      const inProcess = (name: string, running: { port: number; stop(): Promise<void> }, counts: AppendCounts): Role => ({
        name, port: running.port,
        // One process: its CPU and statements are the bench's own, counted there.
        usage: async () => ({ cpuMs: 0, pgStatements: 0, ...counts }),
        stop: async () => { await running.stop(); return true; },
      });
      const gatewayCounts: AppendCounts = { appends: 0, conflicts: 0 };
      venue = inProcess('venue', await startBenchVenue(db.url, logger), { appends: 0, conflicts: 0 });
      gateway = inProcess('gateway', await startBenchGateway(db.url, venue.port, logger, gatewayCounts), gatewayCounts);
    }
    process.stdout.write(`layout: ${LAYOUT === 'processes' ? 'venue simulator, gateway and order placing each in a process of its own' : 'venue simulator, gateway and order placing in one process'}\n`);

    const accounts = createAccounts(countingStore(store, placing));
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
    // Each worker's order, until its fill is seen.
    const fillWaiters = new Map<string, () => void>();
    // Fills seen before their PlaceOrder call returned (its answer can come after the whole round trip on a
    // busy machine): the worker finds them here instead of waiting for a fill already gone by.
    const filledEarly = new Map<string, number>();
    const watching = (async () => {
      for await (const e of store.subscribeToAll({ fromPosition: head, filter: { eventTypes: ['OrderRouted', 'OrderSubmitted', 'OrderFilled'] }, signal: abort.signal })) {
        const orderId = (e.data as { orderId: string }).orderId;
        const start = committedAt.get(orderId);
        if (start === undefined) {
          if (e.type === 'OrderFilled') filledEarly.set(orderId, performance.now());
          continue;
        }
        if (e.type === 'OrderFilled') {
          latenciesMs.push(performance.now() - start);
          fillWaiters.get(orderId)?.();
          fillWaiters.delete(orderId);
        } else {
          stepMs[e.type as keyof typeof stepMs].push(performance.now() - start);
        }
        if (latenciesMs.length >= ORDERS) return;
      }
    })();

    process.stdout.write(`placing ${ORDERS} market orders, ${IN_FLIGHT} in flight end to end (each worker places its next order once its last is filled)…\n`);
    const roles = [gateway, venue];
    const usageBefore = await Promise.all(roles.map((r) => r.usage()));
    const placingBefore = { ...placing };
    const cpuBefore = cpuMsNow();
    const backendPool = new Pool({ connectionString: db.url, max: 1 });
    const pgCpuSince = await pgBackendCpu(backendPool);
    const statementsBefore = statements();
    const startedMs = performance.now();
    const progress = setInterval(() => process.stdout.write(`  ${committedAt.size} committed, ${latenciesMs.length} filled\n`), PROGRESS_EVERY_MS);
    let next = 0;
    const worker = async () => {
      while (next < ORDERS) {
        const n = next++;
        const accountId = accountIds[n % ACCOUNTS]!;
        const orderId = randomUUID();
        const placingMs = performance.now();
        const filled = new Promise<void>((resolve) => fillWaiters.set(orderId, resolve));
        const placed = await accounts.execute(accountId, {
          type: 'PlaceOrder', data: { orderId, symbol: BENCH_SYMBOL, side: 'buy', type: 'market', quantity: asQuantity('1'), timeInForce: 'day', extendedHours: false, referencePrice: asPrice(BENCH_ASK), atMs: Date.now() },
        }, { eventIdSource: orderId, metadata: {} });
        if (placed._tag === 'Left') throw new Error(`order refused: ${placed.left.code}`);
        committedAt.set(orderId, performance.now());
        placeMs.push(performance.now() - placingMs);
        const early = filledEarly.get(orderId);
        if (early !== undefined) {
          // Counted from the call, the only start it has.
          latenciesMs.push(early - placingMs);
          earlyFills += 1;
          fillWaiters.delete(orderId);
          filledEarly.delete(orderId);
          continue;
        }
        await filled;
      }
    };
    let drainTimer: NodeJS.Timeout | undefined;
    let earlyFills = 0;
    const drained = await Promise.race([
      Promise.all(Array.from({ length: IN_FLIGHT }, worker)).then(() => true),
      new Promise<boolean>((resolve) => { drainTimer = setTimeout(() => resolve(false), RUN_TIMEOUT_MS); }),
    ]);
    clearTimeout(drainTimer);
    next = ORDERS;
    for (const wake of fillWaiters.values()) wake();
    const elapsedS = (performance.now() - startedMs) / 1000;
    clearInterval(progress);
    const cpuMs = cpuMsNow() - cpuBefore;
    const benchStatements = statements() - statementsBefore;
    const usageAfter = await Promise.all(roles.map((r) => r.usage()));
    const pgCpuMs = await pgCpuSince();
    await backendPool.end();
    abort.abort();
    await watching;
    const exitedByThemselves = [await gateway.stop(), await venue.stop()];

    // Reference: bare appends of one event each, same store, same concurrency.
    process.stdout.write('reference: bare appends…\n');
    let appended = 0;
    const machineBefore = machineCpuMs();
    const refStart = performance.now();
    await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
      while (appended < ORDERS) {
        appended += 1;
        await store.appendToStream(`ref-${randomUUID()}`, [{ id: randomUUID(), type: 'Ref', data: {} }], { expectedRevision: 'no_stream' });
      }
    }));
    const refPerS = ORDERS / ((performance.now() - refStart) / 1000);
    const machineAfter = machineCpuMs();
    const refMachineMsPerAppend = (machineAfter.busyMs - machineBefore.busyMs) / ORDERS;

    const filled = latenciesMs.length;
    const perOrder = (value: number, digits = 2) => (value / Math.max(1, filled)).toFixed(digits);
    const sorted = [...latenciesMs].sort((a, b) => a - b);
    const row = (label: string, value: string) => process.stdout.write(`${label.padEnd(48)} ${value}\n`);
    process.stdout.write('\n');
    row('layout', LAYOUT === 'processes' ? 'processes (orders placed | gateway | venue)' : 'one process');
    row('orders filled end to end', `${filled} of ${ORDERS}${drained ? '' : ' (timed out)'}`);
    row('round trips/s (commit → NOS → fill booked)', (filled / elapsedS).toFixed(0));
    row('latency p50 / p99 (ms)', `${percentile(sorted, 50).toFixed(1)} / ${percentile(sorted, 99).toFixed(1)}`);
    const p50 = (values: number[]) => percentile([...values].sort((a, b) => a - b), 50).toFixed(1);
    row('  p50 commit → routed / → acknowledged (ms)', `${p50(stepMs.OrderRouted)} / ${p50(stepMs.OrderSubmitted)}`);
    row('  fills seen before their PlaceOrder returned', String(earlyFills));
    row('  p50 / p99 PlaceOrder command (ms)', `${p50(placeMs)} / ${percentile([...placeMs].sort((a, b) => a - b), 99).toFixed(1)}`);
    row('CPU ms per order: placing process', perOrder(cpuMs, 3) + (LAYOUT === 'one' ? ' (gateway and venue included)' : ''));
    if (LAYOUT === 'processes') roles.forEach((r, i) => row(`CPU ms per order: ${r.name}`, perOrder(usageAfter[i]!.cpuMs - usageBefore[i]!.cpuMs, 3)));
    row('CPU ms per order: PostgreSQL backends', perOrder(pgCpuMs, 3));
    const allStatements = benchStatements + roles.reduce((sum, _r, i) => sum + usageAfter[i]!.pgStatements - usageBefore[i]!.pgStatements, 0);
    row('PostgreSQL statements per order (all processes)', perOrder(allStatements));
    row('appends / conflicts per order: placing', `${perOrder(placing.appends - placingBefore.appends)} / ${perOrder(placing.conflicts - placingBefore.conflicts)}`);
    row('appends / conflicts per order: gateway', `${perOrder(usageAfter[0]!.appends - usageBefore[0]!.appends)} / ${perOrder(usageAfter[0]!.conflicts - usageBefore[0]!.conflicts)}`);
    if (LAYOUT === 'processes') row('gateway, venue processes exited by themselves', exitedByThemselves.map((e) => (e ? 'yes' : 'NO (killed)')).join(', '));
    row('reference: bare one-event appends/s', refPerS.toFixed(0));
    // An order needs three appends at least: PlaceOrder, the routing decision (committed before the NewOrderSingle
    // leaves) and the fill (with its acknowledgement). At the reference's cost those alone bound the loop.
    row('  machine CPU per bare append (every core, µs)', (refMachineMsPerAppend * 1000).toFixed(0));
    row('  ceiling: 3 such appends per order, all cores', `${(os.cpus().length / (3 * refMachineMsPerAppend / 1000)).toFixed(0)} orders/s before any FIX message, venue or engine work`);
    if (exitedByThemselves.includes(false)) process.exitCode = 1;
  } finally {
    await store.close();
    await db.drop();
  }
};

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
