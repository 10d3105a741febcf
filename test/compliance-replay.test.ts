import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { startTradingHarness, type TradingHarness } from './support/trading-harness';
import { createAccounts } from '../commands/accounts/account-stream';
import { grantRole } from '../commands/users/roles';
import { summarize } from '../projections/replay/replay';
import { waitForProjections } from '../projections/runner/catch-up';
import { asPrice, asQuantity } from '../domain/money';

const ROOT = path.resolve(__dirname, '..');

describe('compliance replay', () => {
  let h: TradingHarness;
  beforeAll(async () => { h = await startTradingHarness('compliance', { readModels: true }); });
  afterAll(async () => { await h.close(); });

  const pause = () => new Promise((resolve) => setTimeout(resolve, 30));
  const officer = async () => {
    const email = `${randomUUID()}@example.com`;
    const signUp = await h.request('POST', '/v1/accounts', { key: randomUUID(), body: { email, password: 'correct horse battery' } });
    expect(await grantRole(h.store, email, 'compliance', 'operator:test', h.clock.nowMs)).toBe('granted');
    expect(await grantRole(h.store, email, 'compliance', 'operator:test', h.clock.nowMs)).toBe('already-held');
    const logIn = await h.request('POST', '/v1/sessions', { body: { email, password: 'correct horse battery' } });
    return { accountId: signUp.body.account_id as string, token: logIn.body.token as string };
  };

  /** A client's history, with the decider's state captured right after each step and an instant between each step and the next. */
  const history = async () => {
    const user = await h.fundedAccount('5000.00');
    const accounts = createAccounts(h.store);
    const checkpoints: Array<{ instant: string; state: ReturnType<typeof summarize> }> = [];
    const capture = async () => {
      checkpoints.push({ instant: '', state: summarize(await accounts.load(user.accountId)) });
      await pause();
      checkpoints[checkpoints.length - 1]!.instant = new Date().toISOString();
      await pause();
    };
    await capture();
    const order = await h.request('POST', '/v1/orders', { token: user.token, key: randomUUID(), body: { symbol: 'AAPL', side: 'buy', type: 'limit', quantity: '5', limit_price: '100.00' } });
    await capture();
    await h.system(user.accountId, { type: 'AcknowledgeOrder', data: { orderId: order.body.order_id, venue: 'SIM', atMs: h.clock.nowMs } });
    await h.system(user.accountId, { type: 'ApplyFill', data: { orderId: order.body.order_id, execId: randomUUID(), quantity: asQuantity('2'), price: asPrice('99.00'), venue: 'SIM', atMs: h.clock.nowMs } });
    await capture();
    await h.system(user.accountId, { type: 'ApplyFill', data: { orderId: order.body.order_id, execId: randomUUID(), quantity: asQuantity('3'), price: asPrice('99.50'), venue: 'SIM', atMs: h.clock.nowMs } });
    await capture();
    return { user, checkpoints };
  };

  it('answers the compliance role only: 401 without a token, 403 FORBIDDEN for a client', async () => {
    const client = await h.signUp();
    const path = `/v1/compliance/accounts/${client.accountId}/replay`;
    expect((await h.request('GET', path)).status).toBe(401);
    const forbidden = await h.request('GET', path, { token: client.token });
    expect([forbidden.status, forbidden.body.error.code]).toEqual([403, 'FORBIDDEN']);
    const { token } = await officer();
    expect((await h.request('GET', `/v1/compliance/accounts/${randomUUID()}/replay`, { token })).status).toBe(404);
    expect((await h.request('GET', `${path}?as_of=noon`, { token })).body.error.field).toBe('as_of');
  });

  it('agrees, at several instants, with the state the decider held then; and each read lands in the audit log', async () => {
    const { user, checkpoints } = await history();
    const compliance = await officer();
    for (const { instant, state } of checkpoints) {
      const reply = await h.request('GET', `/v1/compliance/accounts/${user.accountId}/replay?as_of=${instant}`, { token: compliance.token });
      expect(reply.status).toBe(200);
      expect(reply.body.state).toEqual(reply.body.events[reply.body.events.length - 1].state_after);
      expect(reply.body.state.cash.settled).toBe(state.cash!.settled);
      expect(reply.body.state.cash.buying_power).toBe(state.cash!.buyingPower);
      expect(reply.body.state.positions.map((p: { symbol: string; quantity: string; cost_basis: string }) => [p.symbol, p.quantity, p.cost_basis]))
        .toEqual(state.positions.map((p) => [p.symbol, p.quantity, p.costBasis]));
      expect(reply.body.state.open_orders.map((o: { order_id: string; status: string; filled_quantity: string }) => [o.order_id, o.status, o.filled_quantity]))
        .toEqual(state.openOrders.map((o) => [o.orderId, o.status, o.filledQuantity]));
    }
    const whole = await h.request('GET', `/v1/compliance/accounts/${user.accountId}/replay`, { token: compliance.token });
    expect(whole.body.events.map((e: { type: string }) => e.type)).toEqual(['AccountOpened', 'DepositInitiated', 'DepositSettled', 'OrderPlaced', 'OrderSubmitted', 'OrderFilled', 'OrderFilled']);
    expect(whole.body.events[3]).toMatchObject({ actor: `user:${user.accountId}`, correlation_id: expect.any(String) });

    const caught = await waitForProjections(h.readDb!, ['audit'], BigInt(whole.headers.get('x-audit-position')!), 10_000);
    expect(caught.reached).toBe(true);
    const { rows } = await h.readDb!.query<{ actor: string; n: string }>({
      text: "SELECT actor, count(*)::text AS n FROM rm_audit.audit_log WHERE account_id = $1 AND event_type = 'ComplianceAccountViewed' GROUP BY actor", }, [user.accountId]);
    expect(rows).toEqual([{ actor: `user:${compliance.accountId}`, n: String(checkpoints.length + 1) }]);

    // The command-line replay prints the same state as of the same instant.
    const middle = checkpoints[2]!;
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/replay.ts'), user.accountId, '--as-of', middle.instant], {
      cwd: ROOT, env: { ...process.env, DATABASE_URL: h.databaseUrl, LOG_LEVEL: 'silent', RUN_MODE: 'distributed' },
    });
    const lines = stdout.trim().split('\n').map((line) => JSON.parse(line));
    const final = lines[lines.length - 1];
    expect(final.events).toBe(lines.length - 1);
    expect(final.state.cash.settled).toBe(middle.state.cash!.settled);
    expect(final.state.positions).toEqual(middle.state.positions);
  }, 120_000);
});
