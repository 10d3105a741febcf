/**
 * bench/reads-ab: API CPU per request of two checkouts of this repo, interleaved on one read-model database,
 * so a change to the HTTP chain is judged by CPU, not by the wall clock of a shared machine. Every side's API
 * process runs at once (same environment, same seeded models, the projections live) and each round drives all of
 * them in alternating short bursts (bench/lib/reads-bursts.ts), GET /v1/portfolio then GET /v1/assets/AAPL,
 * reading each API's CPU from /proc; the least CPU per request over the bursts is the figure (contention only
 * adds). No orders flow (their CPU share is noise here). A fixed xorshift loop is timed each round as the
 * machine's reference.
 *
 *   tsx bench/reads-ab.ts <rootA> <rootB>   # READS_AB_ROUNDS=1 READS_AB_BURSTS=8 READS_AB_BURST_S=2 READS_AB_CONNECTIONS=32
 *   READS_AB_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" tsx bench/reads-ab.ts .   # profile one side
 */
import { execFile, spawn } from 'node:child_process';
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
import { processTreeCpuMs } from './lib/process-cpu';
import { decided, writeAccountLog } from './lib/rebuild-seed';

const ROUNDS = Number(process.env.READS_AB_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.READS_AB_CONNECTIONS ?? 32);
const BURSTS = Number(process.env.READS_AB_BURSTS ?? 8);
const BURST_S = Number(process.env.READS_AB_BURST_S ?? 2);
const ACCOUNTS = 2000;
const PORT = Number(process.env.READS_AB_PORT ?? 18_280);
const JWT_SECRET = randomUUID() + randomUUID();
const run = promisify(execFile);
const log = (message: string) => process.stdout.write(`[reads-ab] ${message}\n`);
const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');

/** ns per step of a fixed xorshift loop: how fast the machine runs this instant. */
const referenceNsPerStep = (): number => {
  const steps = 50_000_000;
  let x = 88172645463325252n & 0xffffffffn;
  let y = Number(x) | 1;
  const started = process.hrtime.bigint();
  for (let i = 0; i < steps; i += 1) { y ^= y << 13; y ^= y >>> 17; y ^= y << 5; }
  x = BigInt(y);
  return Number(process.hrtime.bigint() - started) / steps + (x === 0n ? 1 : 0);
};

/** Side `index` listens on PORT + 10 × index (its ops port 5 above). */
const portOf = (index: number) => PORT + 10 * index;

const startApi = async (root: string, index: number, env: Record<string, string>) => {
  const extraArgs = (process.env.READS_AB_NODE_ARGS ?? '').split(' ').filter((arg) => arg.length > 0);
  const port = portOf(index);
  const node = [process.execPath, ...extraArgs, '--import', 'tsx', path.join(root, 'scripts/start-api.ts')];
  const child = spawn(node[0]!, node.slice(1), {
    cwd: root, env: { ...process.env, ...env, PORT: String(port), OPS_PORT: String(port + 5) }, stdio: ['ignore', 'inherit', 'inherit'],
  });
  for (let i = 0; ; i += 1) {
    if (child.exitCode !== null || i > 450) { child.kill('SIGKILL'); throw new Error(`API in ${root} did not start (exit ${child.exitCode})`); }
    try { if ((await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200) break; } catch { /* not yet */ }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    pid: child.pid!, port,
    stop: () => new Promise<void>((resolve) => { if (child.exitCode !== null) { resolve(); return; } child.once('exit', () => resolve()); child.kill('SIGTERM'); }),
  };
};

type Api = Awaited<ReturnType<typeof startApi>>;

const hammer = async (api: Api, pathname: string, seconds: number, tokensFile: string) => {
  const cpuBeforeMs = processTreeCpuMs(api.pid);
  const job = { url: `http://127.0.0.1:${api.port}`, path: pathname, connections: CONNECTIONS, durationS: seconds, tokensFile };
  const { stdout } = await run(process.execPath, ['--import', 'tsx', path.join(__dirname, 'lib', 'reads-load.ts'), JSON.stringify(job)], { maxBuffer: 64 * 1024 * 1024 });
  const result = JSON.parse(stdout) as autocannon.Result;
  const cpuMs = processTreeCpuMs(api.pid) - cpuBeforeMs;
  return { rps: Math.round(result.requests.total / seconds), p99: result.latency.p99, bad: result.non2xx + result.errors, cpuUs: Math.round((cpuMs * 1000) / Math.max(1, result.requests.total)) };
};

/** Every side at once, so each sees the same machine: a shared box's swings hit all sides alike. */
const hammerAll = (apis: readonly Api[], pathname: string, seconds: number, tokensFile: string) =>
  Promise.all(apis.map((api) => hammer(api, pathname, seconds, tokensFile)));

const main = async () => {
  const roots = process.argv.slice(2).map((root) => path.resolve(root));
  if (roots.length < 1) throw new Error('usage: reads-ab.ts <root> [<root> ...]');
  const database = await createTestDatabase('bench_reads_ab');
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'reads-ab-'));
  try {
    await (await createPostgresEventStore({ connectionString: database.url, poolSize: 1, listenForCommits: false })).close();
    const accountIds = Array.from({ length: ACCOUNTS }, () => randomUUID());
    await writeAccountLog(database.url, accountIds.map((accountId) => ({ accountId, events: decided(portfolioAccountHistory(accountId)) })));
    const tokensFile = path.join(tmp, 'tokens.txt');
    writeFileSync(tokensFile, accountIds.map((accountId) => signAccessToken({ accountId }, JWT_SECRET, 3600)).join('\n'));
    const env = { RUN_MODE: 'distributed', DATABASE_URL: database.url, REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', JWT_SECRET, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' };
    const projections = await startChildServer('scripts/start-projections.ts', PORT + 4, env);
    try {
      for (;;) {
        const health = await (await fetch(`${projections.url}/healthz`)).json() as { projections?: Array<{ lagPositions: string }> };
        if (health.projections?.every((p) => p.lagPositions === '0')) break;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      const apis: Api[] = [];
      for (const [index, root] of roots.entries()) apis.push(await startApi(root, index, env));
      const rows: Array<Record<string, string | number>> = [];
      try {
        await hammerAll(apis, '/v1/portfolio', 4, tokensFile);
        await hammerAll(apis, '/v1/assets/AAPL', 3, tokensFile);
        for (let round = 1; round <= ROUNDS; round += 1) {
          for (const route of ['/v1/portfolio', '/v1/assets/AAPL']) {
            const job = { targets: apis.map((api) => ({ url: `http://127.0.0.1:${api.port}`, pid: api.pid })), path: route, connections: CONNECTIONS, burstS: BURST_S, bursts: BURSTS, tokensFile };
            const { stdout } = await run(process.execPath, ['--import', 'tsx', path.join(__dirname, 'lib', 'reads-bursts.ts'), JSON.stringify(job)], { maxBuffer: 64 * 1024 * 1024 });
            const bursts = JSON.parse(stdout) as Array<{ side: number; requests: number; cpuUs: number; bad: number; p99: number }>;
            const ref = referenceNsPerStep();
            apis.forEach((_api, index) => {
              const mine = bursts.filter((b) => b.side === index);
              const cpu = mine.map((b) => b.cpuUs).sort((x, y) => x - y);
              const row = {
                round, route, side: String.fromCharCode(65 + index), 'min µs/req': cpu[0]!, 'median µs/req': cpu[Math.floor(cpu.length / 2)]!,
                'req/s best': Math.round(Math.max(...mine.map((b) => b.requests)) / BURST_S), bad: mine.reduce((n, b) => n + b.bad, 0), 'ref ns/step': ref.toFixed(2), load: load(),
              };
              rows.push(row);
              log(`${JSON.stringify(row)} all: ${cpu.join(' ')}`);
            });
          }
        }
      } finally {
        for (const api of apis) await api.stop();
      }
      log(roots.map((root, index) => `${String.fromCharCode(65 + index)} = ${root}`).join(', '));
      console.table(rows);
    } finally {
      await projections.stop();
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    await database.drop();
  }
};

main().catch((error: unknown) => { console.error(error); process.exit(1); });
