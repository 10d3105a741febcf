import { randomUUID } from 'node:crypto';
import * as E from 'fp-ts/Either';
import { Client, Pool } from 'pg';
import { Registry } from 'prom-client';
import { executeAccountCommand } from '../commands/accounts/account-stream';
import type { AccountCommand } from '../domain/account';
import { asCash } from '../domain/money';
import { createPostgresEventStore } from '../infrastructure/event-store/postgres';
import type { EventStore } from '../infrastructure/event-store/port';
import { createLogger } from '../infrastructure/logging';
import { sqlDatabaseFromPool, type SqlDatabase } from '../infrastructure/pg/sql-client';
import { createTestDatabase, type TestDatabase } from './support/pg-database';
import { createAuditProjection } from '../projections/audit/model';
import { verifyAuditLog } from '../projections/audit/verify';
import { waitForProjections } from '../projections/runner/catch-up';
import { startProjectionRunner, type ProjectionRunner } from '../projections/runner/runner';

const T0 = Date.UTC(2026, 10, 24, 15, 0, 0);

describe('audit log', () => {
  let database: TestDatabase;
  let store: EventStore;
  let db: SqlDatabase;
  let runner: ProjectionRunner;
  const accounts: string[] = [];

  const run = async (accountId: string, command: AccountCommand) => {
    const result = await executeAccountCommand(store, accountId, command, { eventIdSource: randomUUID(), metadata: { actor: `user:${accountId}`, correlationId: randomUUID(), causationId: randomUUID() } });
    if (E.isLeft(result)) throw new Error(`${command.type} refused: ${result.left.code}`);
    return result.right.position;
  };

  beforeAll(async () => {
    database = await createTestDatabase('audit_log');
    store = await createPostgresEventStore({ connectionString: database.url, poolSize: 4 });
    db = sqlDatabaseFromPool(new Pool({ connectionString: database.url, max: 4 }), true);
    runner = await startProjectionRunner({ store, db, projections: [createAuditProjection()], logger: createLogger({ level: 'silent' }), registry: new Registry() });
    let position = 0n;
    for (let a = 0; a < 3; a += 1) {
      const accountId = randomUUID();
      accounts.push(accountId);
      await run(accountId, { type: 'OpenAccount', data: { accountId, email: `${accountId}@example.com`, atMs: T0 } });
      for (let i = 0; i < 4; i += 1) {
        const transferId = randomUUID();
        await run(accountId, { type: 'RequestDeposit', data: { transferId, amount: asCash('10.00'), atMs: T0 + i } });
        position = await run(accountId, { type: 'SettleDeposit', data: { transferId, atMs: T0 + i } });
      }
    }
    expect((await waitForProjections(db, ['audit'], position, 20_000)).reached).toBe(true);
  });
  afterAll(async () => {
    await runner.stop();
    await db.close();
    await store.close();
    await database.drop();
  });

  it('chains every account event with who caused it, and verifies untampered', async () => {
    const { rows } = await db.query<{ seq: string; event_type: string; actor: string; correlation_id: string | null }>({
      text: 'SELECT seq::text AS seq, event_type, actor, correlation_id FROM rm_audit.audit_log WHERE account_id = $1 ORDER BY seq', }, [accounts[0]]);
    expect(rows.map((r) => r.seq)).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(rows[0]).toMatchObject({ event_type: 'AccountOpened', actor: `user:${accounts[0]}` });
    expect(rows.every((r) => r.correlation_id !== null)).toBe(true);
    expect(await verifyAuditLog(db)).toEqual({ rows: 27, accounts: 3, broken: null });
  });

  it('refuses UPDATE, DELETE and TRUNCATE', async () => {
    await expect(db.query({ text: "UPDATE rm_audit.audit_log SET actor = 'someone-else'" })).rejects.toThrow(/append-only: UPDATE refused/);
    await expect(db.query({ text: 'DELETE FROM rm_audit.audit_log' })).rejects.toThrow(/append-only: DELETE refused/);
    await expect(db.query({ text: 'TRUNCATE rm_audit.audit_log' })).rejects.toThrow(/append-only: TRUNCATE refused/);
    expect((await verifyAuditLog(db)).broken).toBeNull();
  });

  it('names the first broken row when a superuser alters one with the trigger disabled', async () => {
    const superuser = new Client({ connectionString: database.url });
    await superuser.connect();
    try {
      const victim = [...accounts].sort()[1]!;
      await superuser.query('ALTER TABLE rm_audit.audit_log DISABLE TRIGGER audit_log_no_change');
      await superuser.query(`UPDATE rm_audit.audit_log SET payload = replace(payload, '"10.00"', '"10000.00"') WHERE account_id = $1 AND seq = 4`, [victim]);
      await superuser.query('ALTER TABLE rm_audit.audit_log ENABLE TRIGGER audit_log_no_change');
      const result = await verifyAuditLog(db);
      expect(result.broken).toMatchObject({ accountId: victim, seq: 4, reason: expect.stringMatching(/altered/) });
    } finally {
      await superuser.end();
    }
  });
});
