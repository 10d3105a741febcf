import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Pool } from 'pg';
import { accountStreamOf } from '../commands/accounts/account-stream';
import { createPostgresEventStore } from '../infrastructure/event-store/postgres';
import { collect, type EventStore, type RecordedEvent } from '../infrastructure/event-store/port';
import { createLogger } from '../infrastructure/logging';
import { createMetrics } from '../infrastructure/metrics';
import { createTestDatabase, type TestDatabase } from './support/pg-database';

const ROOT = path.resolve(__dirname, '..');
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** /metrics lives on the ops port; a port of this run's own, so parallel runs do not collide. */
const OPS_PORT = 30_000 + Math.floor(Math.random() * 20_000);
const START_ROUNDS_MAX = 150;
const START_ROUND_MS = 200;
/** Users depositing at once, each one deposit after another, while their backends are terminated. */
const DEPOSITORS = 8;
const DEPOSITS_EACH = 25;
const TERMINATIONS = 8;
const TERMINATION_INTERVAL_MS = 150;

let database: TestDatabase;
let admin: Pool;

beforeAll(async () => {
  database = await createTestDatabase('dropped_connections');
  admin = new Pool({ connectionString: database.url, max: 1 });
  admin.on('error', () => undefined); // the admin connection is never one we terminate
});
afterAll(async () => {
  await admin?.end();
  await database?.drop();
});

/** Terminates every backend of the test database but the admin's own: busy and idle alike. */
/** Deadlines are generous: the machine running the suite may be loaded. */
const waitUntil = async (condition: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

const terminateBackends = async (): Promise<number> =>
  (await admin.query<{ n: string }>(
    'SELECT count(pg_terminate_backend(pid))::text AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
  )).rows[0]!.n === '0' ? 0 : 1;

const startApiProcess = async (): Promise<{ child: ChildProcess; base: string }> => {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/start-api.ts')], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env, PORT: '0', HOST: '127.0.0.1', RUN_MODE: 'distributed', DATABASE_URL: database.url, REDIS_URL,
      // Every depositor signs up from this one address; the per-address sign-up throttle is not what is tested here.
      SIGN_UPS_PER_IP_MAX: '1000000', OPS_PORT: String(OPS_PORT),
      JWT_SECRET: 'dropped-connections-test-secret-0123456789', LOG_LEVEL: 'info',
    },
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  for (let round = 0; round < START_ROUNDS_MAX; round += 1) {
    const ready = /"url":"http:\/\/localhost:(\d+)"/.exec(output);
    if (ready) return { child, base: `http://127.0.0.1:${ready[1]}` };
    if (child.exitCode !== null) throw new Error(`the API process exited: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, START_ROUND_MS));
  }
  child.kill('SIGKILL');
  throw new Error(`the API process did not start: ${output}`);
};

describe('dropped database connections', () => {
  it('the API process survives its backends being terminated under load, and every acknowledged deposit is stored', async () => {
    const { child, base } = await startApiProcess();
    let exitCode: number | null = null;
    child.once('exit', (code) => { exitCode = code; });
    const post = async (route: string, body: unknown, token?: string) => {
      const reply = await fetch(`${base}${route}`, {
        method: 'POST', body: JSON.stringify(body),
        headers: { 'Content-Type': 'application/json', 'Idempotency-Key': randomUUID(), ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      }).catch(() => undefined);
      return reply === undefined ? { status: 0, body: {} as Record<string, string> } : { status: reply.status, body: await reply.json() as Record<string, string> };
    };
    try {
      const users = await Promise.all(Array.from({ length: DEPOSITORS }, async () => {
        const signUp = await post('/v1/accounts', { email: `${randomUUID()}@example.com`, password: 'correct horse battery' });
        expect(signUp.status).toBe(201);
        return { accountId: signUp.body.account_id!, token: signUp.body.token! };
      }));
      const acknowledged = new Map<string, string[]>(users.map((user) => [user.accountId, []]));
      const statuses: number[] = [];
      const load = Promise.all(users.map(async (user) => {
        for (let n = 0; n < DEPOSITS_EACH; n += 1) {
          const reply = await post('/v1/transfers', { direction: 'deposit', amount: '1.00' }, user.token);
          statuses.push(reply.status);
          if (reply.status === 201) acknowledged.get(user.accountId)!.push(reply.body.transfer_id!);
        }
      }));
      let terminated = 0;
      for (let n = 0; n < TERMINATIONS; n += 1) {
        await new Promise((resolve) => setTimeout(resolve, TERMINATION_INTERVAL_MS));
        terminated += await terminateBackends();
      }
      await load;
      // Once more while idle: the pool's idle connections are the ones that used to take the process down.
      await new Promise((resolve) => setTimeout(resolve, 300));
      terminated += await terminateBackends();
      await new Promise((resolve) => setTimeout(resolve, 300));

      expect(terminated).toBeGreaterThan(0);
      expect(exitCode).toBeNull();
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      const metrics = await (await fetch(`http://127.0.0.1:${OPS_PORT}/metrics`)).text();
      expect(metrics).toMatch(/pg_connection_errors_total\{pool="event-store"\} [1-9]/);
      // Still serving after the storm, and nothing it acknowledged is missing from the store.
      expect((await post('/v1/transfers', { direction: 'deposit', amount: '1.00' }, users[0]!.token)).status).toBe(201);
      expect(statuses.filter((status) => status === 201).length).toBeGreaterThan(DEPOSITORS * DEPOSITS_EACH / 2);
      const store = await createPostgresEventStore({ connectionString: database.url, listenForCommits: false, poolSize: 2 });
      try {
        for (const [accountId, transferIds] of acknowledged) {
          const events = await collect(store.readStream(accountStreamOf(accountId)));
          const stored = new Set(events.map((event) => (event.data as { transferId?: string }).transferId));
          expect(transferIds.filter((id) => !stored.has(id))).toEqual([]);
        }
      } finally {
        await store.close();
      }
    } finally {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
    }
  }, 120_000);

  it('a subscriber keeps going, and is woken by NOTIFY again, after its LISTEN connection is terminated', async () => {
    const prefix = `listen${randomUUID().slice(0, 8)}_`;
    // The reader would poll only once an hour: after the termination only a re-LISTEN can wake it in time.
    const quiet = { logger: createLogger({ level: 'silent' }), metrics: createMetrics() };
    const reader: EventStore = await createPostgresEventStore({ connectionString: database.url, pollIntervalMs: 3_600_000, poolSize: 3, ...quiet });
    const writer: EventStore = await createPostgresEventStore({ connectionString: database.url, poolSize: 3, ...quiet }); // sends the NOTIFY
    const controller = new AbortController();
    try {
      const seen: RecordedEvent[] = [];
      const fromPosition = (await reader.headPosition()).position;
      const subscriber = (async () => {
        for await (const recorded of reader.subscribeToAll({ fromPosition, filter: { streamPrefixes: [prefix] }, signal: controller.signal })) {
          seen.push(recorded);
          if (seen.length === 2) return;
        }
      })();
      const append = (n: number) => writer.appendToStream(`${prefix}${n}`, [{ id: randomUUID(), type: 'Woken', data: { n } }], { expectedRevision: 'no_stream' });
      await append(1);
      await waitUntil(() => Promise.resolve(seen.length >= 1), 'the first event');
      expect(seen.map((event) => (event.data as { n: number }).n)).toEqual([1]);

      expect(await terminateBackends()).toBe(1);
      // Appended only once LISTEN is back: then only its NOTIFY can wake the reader (it polls hourly).
      await waitUntil(async () => /pg_listen_reconnects_total\{channel="es_appended"\} [1-9]/.test(await quiet.metrics.registry.metrics()), 'LISTEN again');
      await append(2);
      await Promise.race([subscriber, waitUntil(() => Promise.resolve(seen.length >= 2), 'the event after the termination')]);
      expect(seen.map((event) => (event.data as { n: number }).n)).toEqual([1, 2]);
      expect(await quiet.metrics.registry.metrics()).toMatch(/pg_listen_reconnects_total\{channel="es_appended"\} [1-9]/);
    } finally {
      controller.abort();
      await reader.close();
      await writer.close();
    }
  }, 60_000);
});
