/**
 * Rebuild throughput: the portfolio and orders read models rebuilt from position 0 over ≥ 1,000,000 account
 * events in PostgreSQL, against references measured in the same run: the rebuild's own read alone (the
 * ordered keyset scan in pages, rows parsed, no model) and the store's readAll (512-event pages). Each row
 * also gives the CPU node and PostgreSQL spent per event, which holds on a loaded machine where wall time does not.
 *   npm run bench:rebuild
 * Env: BENCH_ACCOUNTS (21000), BENCH_ORDERS_PER_ACCOUNT (15): each account is open + deposit + settle and
 * per order place, acknowledge, fill, so events = accounts × (3 + 3 × orders) (1,008,000 by default).
 * Accounts' events are interleaved in the log (rounds of a few events per account), as live traffic would be.
 * The seeded log is kept in a database named for its shape and reused by the next run (BENCH_RESEED=1 writes it again).
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import pino from 'pino';
import { createPostgresEventStore } from '../infrastructure/event-store/postgres';
import type { EventStore } from '../infrastructure/event-store/port';
import { createPool } from '../infrastructure/pg/pool';
import { sqlDatabaseFromPool, type SqlDatabase } from '../infrastructure/pg/sql-client';
import { createOrdersProjection } from '../projections/orders/model';
import { createPortfolioProjection } from '../projections/portfolio/model';
import { REBUILD_PAGE_EVENTS, rebuildProjection } from '../projections/rebuild/rebuild';
import type { BulkApply, Projection } from '../projections/runner/projection';
import { createProgressBar } from '../scripts/progress-bar';
import { eventsOf, seededLog } from './lib/rebuild-seed';

const envInt = (name: string, fallback: number): number => {
  const raw = process.env[name];
  const value = raw === undefined ? fallback : Number.parseInt(raw, 10);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got ${raw}`);
  return value;
};
const SHAPE = { accounts: envInt('BENCH_ACCOUNTS', 21_000), ordersPerAccount: envInt('BENCH_ORDERS_PER_ACCOUNT', 15) };

const logger = pino({ name: 'bench-rebuild' }, pino.destination(2));
const say = (message: string) => process.stdout.write(`[bench/rebuild] ${message}\n`);
const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');

type Row = { what: string; events: number; seconds: number; nodeCpuS: number; pgCpuS: number | null; split?: string };

/** Linux's USER_HZ: /proc/<pid>/stat counts CPU time in these. */
const CLOCK_TICKS_PER_S = 100;

/** CPU seconds so far of each PostgreSQL backend serving this database, from /proc (the server runs on this machine); empty when unreadable. */
const backendCpu = async (db: SqlDatabase): Promise<Map<number, number>> => {
  const { rows } = await db.query<{ pid: number }>({ text: 'SELECT pid FROM pg_stat_activity WHERE datname = current_database()' });
  const cpu = new Map<number, number>();
  for (const { pid } of rows) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      cpu.set(pid, (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_S); // utime, stime
    } catch {
      // Not on this machine, or the backend just ended.
    }
  }
  return cpu;
};

/**
 * The CPU node and PostgreSQL spend on `work`: the load-independent figure (wall time on a shared 2-core
 * machine mostly measures the neighbours). PostgreSQL's is summed over this database's backends, sampled
 * twice a second so a connection that ends meanwhile loses at most its last half second; null when the
 * server's processes are not readable from here.
 */
const measured = async <T>(db: SqlDatabase, work: () => Promise<T>): Promise<{ result: T; seconds: number; nodeCpuS: number; pgCpuS: number | null }> => {
  const first = await backendCpu(db);
  const last = new Map(first);
  const sample = async () => { for (const [pid, s] of await backendCpu(db)) last.set(pid, s); };
  const timer = setInterval(() => { sample().catch(() => undefined); }, 500);
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  try {
    const result = await work();
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    clearInterval(timer);
    await sample();
    let pgCpuS = 0;
    for (const [pid, s] of last) pgCpuS += s - (first.get(pid) ?? 0);
    return { result, seconds, nodeCpuS: (cpu.user + cpu.system) / 1e6, pgCpuS: first.size === 0 ? null : pgCpuS };
  } finally {
    clearInterval(timer);
  }
};


/** The projection with its bulk path timed: seconds folding pages in memory and seconds writing rows (in the background, beside the fold). */
const timed = (projection: Projection) => {
  const spent = { foldS: 0, writeS: 0 };
  const time = async <T>(key: keyof typeof spent, work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try { return await work(); } finally { spent[key] += (performance.now() - started) / 1000; }
  };
  const bulk = projection.bulk?.bind(projection);
  return {
    spent,
    projection: bulk === undefined ? projection : {
      ...projection,
      bulk: (schema: string): BulkApply => {
        const inner = bulk(schema);
        return {
          add: (db, events) => time('foldS', () => inner.add(db, events)),
          pending: () => inner.pending(),
          take: (scope) => { const taken = inner.take(scope); return { write: (tx) => time('writeS', () => taken.write(tx)), committed: () => taken.committed() }; },
        };
      },
    },
  };
};

/** Reads every event up to the head through `read`, with a progress bar. */
const timedScan = async (db: SqlDatabase, what: string, total: number, read: () => AsyncIterable<unknown>): Promise<Row> => {
  const bar = createProgressBar('events');
  const { result: events, seconds, nodeCpuS, pgCpuS } = await measured(db, async () => {
    let count = 0;
    for await (const event of read()) {
      void event;
      count += 1;
      if (count % 10_000 === 0) bar.update(count, total, what);
    }
    return count;
  });
  bar.finish(events, total, what);
  return { what, events, seconds, nodeCpuS, pgCpuS };
};

/** subscribeToAll in the rebuild's page size, ended at the head: exactly the rebuild's read, without a model. */
async function* scanToHead(store: EventStore, head: bigint): AsyncIterable<unknown> {
  const stop = new AbortController();
  for await (const event of store.subscribeToAll({ fromPosition: 0n, pageSize: REBUILD_PAGE_EVENTS, signal: stop.signal })) {
    yield event;
    if (event.position >= head) stop.abort();
  }
}

const main = async (): Promise<void> => {
  say(`machine: ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}, load ${load()}`);
  const seeded = await seededLog(SHAPE, process.env.BENCH_RESEED === '1', say);
  if (!seeded.reused) say(`seeded ${seeded.events.toLocaleString('en-US')} events in ${seeded.seedSeconds.toFixed(0)} s (${Math.round(seeded.events / seeded.seedSeconds).toLocaleString('en-US')}/s, load ${load()})`);
  const store = await createPostgresEventStore({ connectionString: seeded.url, poolSize: 4, listenForCommits: false });
  const db = sqlDatabaseFromPool(createPool({ connectionString: seeded.url, max: 4 }, { name: 'bench-rebuild', logger }), true);
  try {
    const total = eventsOf(SHAPE);
    const head = (await store.headPosition()).position;
    say(`load before the runs: ${load()}`);
    const rows: Row[] = [
      await timedScan(db, `reference: ordered scan, ${REBUILD_PAGE_EVENTS.toLocaleString('en-US')}-event pages, no model`, total, () => scanToHead(store, head)),
      await timedScan(db, 'reference: the store\'s readAll (512-event pages), no model', total, () => store.readAll()),
    ];
    for (const { projection, spent } of [timed(createPortfolioProjection()), timed(createOrdersProjection())]) {
      const bar = createProgressBar('events');
      const { result, seconds, nodeCpuS, pgCpuS } = await measured(db, () => rebuildProjection({ store, db, projection, onProgress: (p) => bar.update(p.events, total, p.phase) }));
      bar.finish(result.events, total, `${projection.name} swapped in`);
      const split = `fold ${spent.foldS.toFixed(1)} s; write ${spent.writeS.toFixed(1)} s, beside the fold`;
      rows.push({ what: `rebuild ${projection.name} (scan, fold, write, swap)`, events: result.events, seconds, nodeCpuS, pgCpuS, split });
    }
    const perEvent = (cpuS: number | null, events: number) => (cpuS === null ? 'n/a' : `${cpuS.toFixed(1)} s = ${((cpuS * 1e6) / events).toFixed(1)} µs/event`);
    process.stdout.write(`\n| what | events | seconds | events/s | node CPU | PostgreSQL CPU | where the time went |\n|---|---|---|---|---|---|---|\n`);
    for (const r of rows) {
      process.stdout.write(`| ${r.what} | ${r.events.toLocaleString('en-US')} | ${r.seconds.toFixed(1)} | ${Math.round(r.events / r.seconds).toLocaleString('en-US')} | ${perEvent(r.nodeCpuS, r.events)} | ${perEvent(r.pgCpuS, r.events)} | ${r.split ?? ''} |\n`);
    }
    say(`load after the runs: ${load()}; the seeded database ${seeded.name} is kept for the next run`);
  } finally {
    await db.close();
    await store.close();
  }
};

main().catch((error: unknown) => {
  logger.error({ err: error }, 'bench failed');
  process.exit(1);
});
