import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { Pool } from 'pg';
import pino from 'pino';
import { createTestDatabase, type TestDatabase } from '../test/support/pg-database';
import { type SqlDatabase, sqlDatabaseFromPool } from '../infrastructure/pg/sql-client';
import { FixCodec } from '../fix-gateway/session/codec';
import { FixSessionEngine } from '../fix-gateway/session/fix-session';
import { startFixInitiator } from '../fix-gateway/session/initiator';
import type { ExecutionReport, FixAppMessage } from '../fix-gateway/session/messages';
import { migrateFixSessionStore, sqlFixSessionStore } from '../fix-gateway/session/session-store';

const ROOT = path.resolve(__dirname, '..');
const waitFor = async (condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

describe('npm run start:venue: a venue as its own process', () => {
  let testDb: TestDatabase;
  let database: SqlDatabase;
  let child: ChildProcessWithoutNullStreams;
  const lines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    testDb = await createTestDatabase('venue_process');
    database = sqlDatabaseFromPool(new Pool({ connectionString: testDb.url, max: 2 }), true);
    await migrateFixSessionStore(database);
    child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start-venue.ts', 'BATS'], {
      cwd: ROOT, env: { ...process.env, FIX_PORT: '0', PORT: '0', HOST: '127.0.0.1', DATABASE_URL: testDb.url, LOG_LEVEL: 'info', NATS_URL: '' },
    });
    let pending = '';
    child.stdout.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const complete = pending.split('\n');
      pending = complete.pop() ?? '';
      for (const line of complete) lines.push(JSON.parse(line) as Record<string, unknown>);
    });
  });
  afterAll(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    await database.close();
    await testDb.drop();
  });

  it('logs JSON, serves /healthz and /metrics, fills an order over FIX at its own quotes, and shuts down on SIGTERM', async () => {
    await waitFor(() => lines.some((line) => line.msg === 'venue running'), 'the venue to start');
    const running = lines.find((line) => line.msg === 'venue running') as { fixPort: number; opsPort: number };
    expect((await fetch(`http://127.0.0.1:${running.opsPort}/healthz`)).status).toBe(200);

    const received: FixAppMessage[] = [];
    const broker = new FixSessionEngine({ name: 'broker-BATS', senderCompId: 'BROKER', targetCompId: 'BATS', heartbeatIntervalS: 30, role: 'initiator' },
      sqlFixSessionStore(database), await FixCodec.create(), pino({ level: 'silent' }));
    await broker.load();
    broker.onMessage(async (message) => { received.push(message); });
    const initiator = startFixInitiator(broker, () => ({ host: '127.0.0.1', port: running.fixPort }), pino({ level: 'silent' }));
    await broker.loggedOn();
    // A market buy: the venue acknowledges and fills it at its quote (or, at its small reject rate, refuses it).
    // Its feed quotes each symbol about once a second, so the first order may find no quote yet: try again.
    let reports: ExecutionReport[] = [];
    for (let attempt = 1; attempt <= 10; attempt += 1) {
      const clOrdId = `proc-${attempt}`;
      await broker.send({ msgType: 'NewOrderSingle', clOrdId, symbol: 'AAPL', side: 'buy', ordType: 'market', orderQty: '1', timeInForce: 'day', transactTimeMs: Date.now() });
      const mine = (): ExecutionReport[] => received.filter((m): m is ExecutionReport => m.msgType === 'ExecutionReport' && m.clOrdId === clOrdId);
      await waitFor(() => mine().some((r) => r.execType === 'fill' || r.execType === 'rejected'), 'the fill');
      reports = mine();
      if (reports[0]!.text !== 'NO_QUOTE') break;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    if (reports[0]!.execType === 'new') {
      const fill = reports.find((r) => r.execType === 'fill')!;
      expect(Number(fill.lastPx)).toBeGreaterThan(0);
      expect(fill.cumQty).toBe('1.000000');
    } else {
      expect(reports[0]!.text).toBe('VENUE_REJECT');
    }
    const metricsText = await (await fetch(`http://127.0.0.1:${running.opsPort}/metrics`)).text();
    expect(metricsText).toMatch(/venue_executions_total\{venue="BATS",exec_type="(new|rejected)"\} [1-9]/);
    await initiator.stop();

    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(lines.map((line) => line.msg)).toEqual(expect.arrayContaining(['shutting down', 'stopped']));
  });
});
