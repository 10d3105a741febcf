import { randomUUID } from 'node:crypto';
import { collect } from '../infrastructure/event-store/port';
import { userStreamId } from '../commands/users/events';
import { startDistributedMode, startEmbeddedMode, type RunMode } from './support/run-modes';

/**
 * The replayed sign-up takeover (issue 7): a sign-up whose idempotency record is gone must not answer a
 * request with the same key and email but another password with the victim's account and a token.
 */
describe.each([
  ['embedded (PGlite, in-memory idempotency, restart)', () => startEmbeddedMode()],
  ['distributed (PostgreSQL, Redis flushed)', () => startDistributedMode('replayed_sign_up')],
])('a sign-up replayed after its idempotency record is gone: %s', (_mode, start: () => Promise<RunMode>) => {
  let mode: RunMode;
  // PGlite starts in tens of seconds on a loaded machine.
  beforeAll(async () => { mode = await start(); }, 180_000);
  afterAll(async () => { await mode.close(); });

  const victim = (email: string) => ({ email, password: 'victim password 1', first_name: 'Vic', date_of_birth: '1980-05-06' });

  it('refuses the same key and email with another password: 422 IDEMPOTENCY_KEY_REUSED and no token', async () => {
    const email = `${randomUUID()}@example.com`;
    const key = `k-${randomUUID()}`;
    const first = await mode.request('POST', '/v1/accounts', { key, body: victim(email) });
    expect(first.status).toBe(201);
    await mode.loseIdempotencyRecords();

    const attack = await mode.request('POST', '/v1/accounts', { key, body: { ...victim(email), password: 'attacker password' } });
    expect(attack.status).toBe(422);
    expect(attack.body).toEqual({ error: { code: 'IDEMPOTENCY_KEY_REUSED', message: expect.any(String) } });
    expect(JSON.stringify(attack.body)).not.toContain(first.body.account_id);
    expect(await collect(mode.store.readStream(userStreamId(email)))).toHaveLength(1);
  });

  it('answers the genuine retry (same password and profile) with the same account and a token that trades', async () => {
    const email = `${randomUUID()}@example.com`;
    const key = `k-${randomUUID()}`;
    const first = await mode.request('POST', '/v1/accounts', { key, body: victim(email) });
    await mode.loseIdempotencyRecords();

    const retry = await mode.request('POST', '/v1/accounts', { key, body: victim(email) });
    expect(retry.status).toBe(201);
    expect(retry.body.account_id).toBe(first.body.account_id);
    const deposit = await mode.request('POST', '/v1/transfers', { token: retry.body.token, key: randomUUID(), body: { direction: 'deposit', amount: '10.00' } });
    expect(deposit.status).toBe(201);
  });

  it('refuses the right password with another profile (not provably the same request)', async () => {
    const email = `${randomUUID()}@example.com`;
    const key = `k-${randomUUID()}`;
    await mode.request('POST', '/v1/accounts', { key, body: victim(email) });
    await mode.loseIdempotencyRecords();
    const other = await mode.request('POST', '/v1/accounts', { key, body: { ...victim(email), first_name: 'Mallory' } });
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(other.body.token).toBeUndefined();
  });

  it('refuses another key for a registered email with 409 EMAIL_TAKEN, even with the right password', async () => {
    const email = `${randomUUID()}@example.com`;
    await mode.request('POST', '/v1/accounts', { key: randomUUID(), body: victim(email) });
    await mode.loseIdempotencyRecords();
    const again = await mode.request('POST', '/v1/accounts', { key: randomUUID(), body: victim(email) });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'EMAIL_TAKEN', field: 'email' });
  });
});
