/**
 * bench/reads: GET /v1/portfolio through the real API process (distributed mode, read models in PostgreSQL)
 * with the projections process live and orders flowing through the same API, against a reference measured
 * in the same run on the same server: GET /v1/assets/AAPL (no database: the HTTP stack alone). The load
 * generator (autocannon) runs in a process of its own.
 *
 *   npm run bench:reads      # READS_BENCH_SECONDS=20 READS_BENCH_ACCOUNTS=2000 READS_BENCH_CONNECTIONS=32 READS_BENCH_ORDERS_PER_S=20
 *   API_WORKERS=2 npm run bench:reads   # the API as two processes sharing its port (node:cluster)
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type autocannon from 'autocannon';
import { signAccessToken } from '../infrastructure/auth/jwt';
import { createPostgresEventStore } from '../infrastructure/event-store/postgres';
import { createTestDatabase } from '../test/support/pg-database';
import { startChildServer } from './lib/child-server';
import { portfolioAccountHistory } from './lib/portfolio-account';
import { machineCpuMs, processTreeCpuMs } from './lib/process-cpu';
import { decided, writeAccountLog } from './lib/rebuild-seed';

const DURATION_S = Number(process.env.READS_BENCH_SECONDS ?? 20);
const ACCOUNTS = Number(process.env.READS_BENCH_ACCOUNTS ?? 2000);
const CONNECTIONS = Number(process.env.READS_BENCH_CONNECTIONS ?? 32);
const ORDERS_PER_S = Number(process.env.READS_BENCH_ORDERS_PER_S ?? 20);
const API_PORT = Number(process.env.READS_BENCH_PORT ?? 18_180);
const CATCH_UP_TIMEOUT_MS = 120_000;
const JWT_SECRET = randomUUID() + randomUUID();
const SYMBOLS = ['AAPL', 'MSFT', 'NVDA'];
/** Resting buys a few percent under each symbol's reference price: accepted (within the 10% reasonability band), never filled. */
const LIMIT_PRICES = ['295.00', '460.00', '205.00'];

const log = (message: string) => process.stdout.write(`[bench/reads] ${message}\n`);
const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
const run = promisify(execFile);

type Hammered = autocannon.Result & {
  readonly serverCpuUsPerRequest: number;
  readonly serverCpuUsPerRequestLessFlow: number;
  readonly loadGeneratorCpuUsPerRequest: number;
  /** Every core of the machine, busy share over the run: near 100% means the machine, not one process, is the bound. */
  readonly machineBusyPct: number;
};

/** How long the API's CPU is sampled with only the orders flowing, to take their share out of the reads' figure. */
const FLOW_ONLY_SAMPLE_MS = 3_000;

/** The API process tree's CPU (ms per second) while only the order flow runs. */
const flowOnlyCpuMsPerS = async (serverPid: number): Promise<number> => {
  const beforeMs = processTreeCpuMs(serverPid);
  const startedMs = Date.now();
  await new Promise((resolve) => setTimeout(resolve, FLOW_ONLY_SAMPLE_MS));
  return ((processTreeCpuMs(serverPid) - beforeMs) * 1000) / (Date.now() - startedMs);
};

/**
 * autocannon against `pathname` from its own process, and the API process tree's CPU per answered request
 * meanwhile, less what the orders flowing alongside cost it (`flowCpuMsPerS`, measured without reads).
 */
const hammer = async (url: string, pathname: string, tokensFile: string, serverPid: number, flowCpuMsPerS: number): Promise<Hammered> => {
  const cpuBeforeMs = processTreeCpuMs(serverPid);
  const machineBefore = machineCpuMs();
  const startedMs = Date.now();
  const job = { url, path: pathname, connections: CONNECTIONS, durationS: DURATION_S, tokensFile };
  const child = run(process.execPath, ['--import', 'tsx', path.join(__dirname, 'lib', 'reads-load.ts'), JSON.stringify(job)], { maxBuffer: 64 * 1024 * 1024 });
  child.child.stderr?.pipe(process.stderr);
  const { stdout } = await child;
  const result = JSON.parse(stdout) as autocannon.Result & { loadGeneratorCpuMs: number };
  const cpuMs = processTreeCpuMs(serverPid) - cpuBeforeMs;
  const machineAfter = machineCpuMs();
  const flowMs = (flowCpuMsPerS * (Date.now() - startedMs)) / 1000;
  const perRequestUs = (ms: number) => Math.round((ms * 1000) / Math.max(1, result.requests.total));
  return {
    ...result, serverCpuUsPerRequest: perRequestUs(cpuMs), serverCpuUsPerRequestLessFlow: perRequestUs(cpuMs - flowMs),
    loadGeneratorCpuUsPerRequest: perRequestUs(result.loadGeneratorCpuMs),
    machineBusyPct: Math.round((100 * (machineAfter.busyMs - machineBefore.busyMs)) / Math.max(1, machineAfter.totalMs - machineBefore.totalMs)),
  };
};

/** Waits until every projection has applied everything up to the head. */
const caughtUp = async (projectionsUrl: string): Promise<void> => {
  const deadline = Date.now() + CATCH_UP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const health = await (await fetch(`${projectionsUrl}/healthz`)).json() as { projections?: Array<{ lagPositions: string }> };
    if (health.projections !== undefined && health.projections.every((p) => p.lagPositions === '0')) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error('the projections did not catch up with the seeded log');
};

const main = async () => {
  log(`machine: ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}, load ${load()}`);
  const database = await createTestDatabase('bench_reads');
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'bench-reads-'));
  try {
    log(`database ${database.name}; ${ACCOUNTS} accounts with two positions each`);
    await (await createPostgresEventStore({ connectionString: database.url, poolSize: 1, listenForCommits: false })).close();
    const accountIds = Array.from({ length: ACCOUNTS }, () => randomUUID());
    await writeAccountLog(database.url, accountIds.map((accountId) => ({ accountId, events: decided(portfolioAccountHistory(accountId)) })));
    const tokens = accountIds.map((accountId) => signAccessToken({ accountId }, JWT_SECRET, 3600));
    const tokensFile = path.join(tmp, 'tokens.txt');
    writeFileSync(tokensFile, tokens.join('\n'));
    const env = { RUN_MODE: 'distributed', DATABASE_URL: database.url, REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', JWT_SECRET, LOG_LEVEL: 'warn' };
    const projections = await startChildServer('scripts/start-projections.ts', API_PORT + 4, env);
    // Its own ops port: the default one may be another process's on a shared machine.
    const api = await startChildServer('scripts/start-api.ts', API_PORT, { ...env, OPS_PORT: String(API_PORT + 5) });
    await caughtUp(projections.url);
    log('projections caught up with the seeded log');
    const sample = await fetch(`${api.url}/v1/portfolio`, { headers: { authorization: `Bearer ${tokens[0]!}` } });
    log(`one GET /v1/portfolio: ${sample.status} ${(await sample.text()).slice(0, 160)}…`);
    // Orders flowing while we read: a steady trickle of limit buys through the API, applied by the live projections.
    let flowing = true;
    let placed = 0;
    const statuses = new Map<string, number>();
    const flow = (async () => {
      const inFlight = new Set<Promise<void>>();
      while (flowing) {
        const account = placed % ACCOUNTS;
        placed += 1;
        const order = fetch(`${api.url}/v1/orders`, {
          method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[account]!}`, 'idempotency-key': randomUUID() },
          body: JSON.stringify({ symbol: SYMBOLS[placed % SYMBOLS.length], side: 'buy', type: 'limit', quantity: '0.02', limit_price: LIMIT_PRICES[placed % SYMBOLS.length], time_in_force: 'day' }),
        }).then(async (response) => {
          const outcome = response.status === 201 ? '201' : `${response.status} ${((await response.json()) as { error?: { code?: string } }).error?.code ?? ''}`;
          statuses.set(outcome, (statuses.get(outcome) ?? 0) + 1);
        }, () => { statuses.set('no answer', (statuses.get('no answer') ?? 0) + 1); });
        inFlight.add(order);
        void order.finally(() => inFlight.delete(order));
        await new Promise((resolve) => setTimeout(resolve, 1000 / ORDERS_PER_S));
      }
      await Promise.all(inFlight);
    })();
    log(`API ${api.url}, projections ${projections.url}; API_WORKERS=${process.env.API_WORKERS ?? '1'}; ${CONNECTIONS} connections for ${DURATION_S} s each; ~${ORDERS_PER_S} orders/s flowing; load ${load()}`);
    const flowCpuMsPerS = await flowOnlyCpuMsPerS(api.process.pid!);
    log(`API CPU with only the orders flowing: ${flowCpuMsPerS.toFixed(0)} ms/s (the table's 'less order flow' takes that share out of the reads' CPU per request; an estimate, rough when reads are few)`);
    const reference = await hammer(api.url, '/v1/assets/AAPL', tokensFile, api.process.pid!, flowCpuMsPerS);
    const loadDuringReference = load();
    const portfolio = await hammer(api.url, '/v1/portfolio', tokensFile, api.process.pid!, flowCpuMsPerS);
    const loadDuringPortfolio = load();
    flowing = false;
    await flow;
    const lag = await (await fetch(`${projections.url}/healthz`)).json() as { projections?: unknown };
    await api.stop();
    await projections.stop();
    const row = (what: string, r: Hammered, loadAvg: string) => ({
      what, 'reads/s': Math.round(r.requests.average), 'p50 ms': r.latency.p50, 'p99 ms': r.latency.p99, errors: r.errors, non2xx: r.non2xx,
      'API CPU µs/req': r.serverCpuUsPerRequest, 'less order flow': r.serverCpuUsPerRequestLessFlow, 'load gen µs/req': r.loadGeneratorCpuUsPerRequest,
      'machine busy %': r.machineBusyPct, 'load avg': loadAvg,
    });
    console.table([row('GET /v1/portfolio', portfolio, loadDuringPortfolio), row('reference: GET /v1/assets/AAPL', reference, loadDuringReference)]);
    log(`orders placed meanwhile: ${placed} (outcome → count: ${JSON.stringify(Object.fromEntries(statuses))}); projections after: ${JSON.stringify(lag.projections)}`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    await database.drop();
  }
};

main().catch((error: unknown) => { console.error(error); process.exit(1); });
