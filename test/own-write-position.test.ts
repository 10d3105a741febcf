import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { accountStreamOf } from '../commands/accounts/account-stream';
import { collect } from '../infrastructure/event-store/port';
import { createTestDatabase, type TestDatabase } from './support/pg-database';
import { startTradingHarness, type TradingHarness } from './support/trading-harness';

let h: TradingHarness;
let elsewhere: TestDatabase;
let open: Client;

/**
 * The visibility bound of $all is the server's oldest transaction in flight, in ANY database. A
 * transaction left open in another database holds it below everything written since, so a position
 * taken from the head would be below the caller's own write.
 */
beforeAll(async () => {
  h = await startTradingHarness('own_write_position');
  elsewhere = await createTestDatabase('elsewhere');
  open = new Client({ connectionString: elsewhere.url });
  await open.connect();
});
afterAll(async () => {
  await open?.end();
  await elsewhere?.drop();
  await h?.close();
});

/** The position of the newest event carrying this idempotency key in the account's stream. */
const ownPosition = async (accountId: string, key: string): Promise<bigint> => {
  const mine = (await collect(h.store.readStream(accountStreamOf(accountId)))).filter((event) => event.metadata.idempotencyKey === key);
  const last = mine[mine.length - 1];
  if (last === undefined) throw new Error(`no event of request ${key}`);
  return last.position;
};

const withTransactionOpenElsewhere = async <T>(work: () => Promise<T>): Promise<T> => {
  await open.query('BEGIN');
  await open.query('SELECT pg_current_xact_id()'); // takes a transaction id, as any write does
  try {
    return await work();
  } finally {
    await open.query('ROLLBACK');
  }
};

describe('a command response carries the position of its own write', () => {
  it('a deposit, and its replay after Redis lost the record, answer with the deposit event\'s position', async () => {
    const user = await h.signUp();
    const key = randomUUID();
    const deposit = () => h.request('POST', '/v1/transfers', { token: user.token, key, body: { direction: 'deposit', amount: '25.00' } });
    await withTransactionOpenElsewhere(async () => {
      const first = await deposit();
      expect(first.status).toBe(201);
      const own = await ownPosition(user.accountId, key);
      expect(BigInt(first.body.position)).toBe(own);
      await h.flushIdempotency();
      const replay = await deposit();
      expect(replay.status).toBe(201);
      expect(BigInt(replay.body.position)).toBe(own);
    });
  });

  it('an order placed, then retried after Redis lost the record, answers with the order event\'s position', async () => {
    const user = await h.fundedAccount('1000.00');
    const key = randomUUID();
    const place = () => h.request('POST', '/v1/orders', { token: user.token, key, body: { symbol: 'AAPL', side: 'buy', type: 'limit', quantity: '1', limit_price: '150.00' } });
    await withTransactionOpenElsewhere(async () => {
      const first = await place();
      expect(first.status).toBe(201);
      const own = await ownPosition(user.accountId, key);
      expect(BigInt(first.body.position)).toBe(own);
      await h.flushIdempotency();
      const replay = await place();
      expect(replay.status).toBe(201);
      expect(BigInt(replay.body.position)).toBe(own);
    });
  });

  it('a cancel retried after Redis lost the record answers with the cancel event\'s position', async () => {
    const user = await h.fundedAccount('1000.00');
    const placed = await h.request('POST', '/v1/orders', { token: user.token, key: randomUUID(), body: { symbol: 'AAPL', side: 'buy', type: 'limit', quantity: '1', limit_price: '150.00' } });
    expect(placed.status).toBe(201);
    const key = randomUUID();
    const cancel = () => h.request('DELETE', `/v1/orders/${placed.body.order_id}`, { token: user.token, key });
    await withTransactionOpenElsewhere(async () => {
      const first = await cancel();
      expect(first.status).toBe(200);
      const own = await ownPosition(user.accountId, key);
      expect(BigInt(first.body.position)).toBe(own);
      await h.flushIdempotency();
      const replay = await cancel();
      expect(replay.status).toBe(200);
      expect(BigInt(replay.body.position)).toBe(own);
    });
  });
});
