import { randomUUID } from 'node:crypto';
import { waitForProjections } from '../projections/runner/catch-up';
import { BUYING_POWER_PROJECTION, generationOf } from '../projections/buying-power/model';
import { liveSchemaOf } from '../projections/runner/projection';
import { startTradingHarness, type TradingHarness } from './support/trading-harness';

const CATCH_UP_WAIT_MS = 30_000; // a bound, not a measurement: the shared machine runs at load 15
/** Far above any position this test writes: a forged entry the projection will not overwrite (each forge goes one higher). */
let forgedPosition = 2n ** 62n;

describe('POST /v1/orders with the buying power pre-check (Redis model, real HTTP)', () => {
  let h: TradingHarness;
  beforeAll(async () => { h = await startTradingHarness('bp_precheck', { readModels: true, buyingPower: true }); });
  afterAll(async () => { await h.close(); });

  const buy = (token: string, quantity: string, limitPrice: string) =>
    h.request('POST', '/v1/orders', { token, key: randomUUID(), body: { symbol: 'AAPL', side: 'buy', type: 'limit', quantity, limit_price: limitPrice, time_in_force: 'gtc' } });
  const lastRevision = async (accountId: string): Promise<bigint> => {
    for await (const event of h.store.readStream(`account-${accountId}`, { direction: 'backwards', maxCount: 1 })) return event.revision;
    throw new Error('empty stream');
  };
  /** Puts a value of our choosing into the live generation, as the model would hold it at `revision`. */
  const forge = async (accountId: string, buyingPower: string, revision: bigint) => {
    const generation = await generationOf(h.readDb!, liveSchemaOf(BUYING_POWER_PROJECTION));
    await h.buyingPower!.write(generation, [{ accountId, buyingPower, restricted: false, revision, position: (forgedPosition += 1n) }]);
  };
  const caughtUp = async () => {
    const head = (await h.store.headPosition()).position;
    expect((await waitForProjections(h.readDb!, [BUYING_POWER_PROJECTION], head, CATCH_UP_WAIT_MS)).reached).toBe(true);
  };

  it('refuses a buy over buying power with the decider\'s code and message, and takes one within it', async () => {
    const user = await h.fundedAccount('1000.00');
    await caughtUp();
    expect(await h.buyingPower!.read(user.accountId)).toMatchObject({ buyingPower: '1000.00', revision: await lastRevision(user.accountId) });
    const over = await buy(user.token, '10', '100.01');
    expect([over.status, over.body.error?.code, over.body.error?.message]).toEqual([422, 'INSUFFICIENT_BUYING_POWER', 'order needs 1000.10, buying power is 1000.00']);
    expect((await buy(user.token, '10', '100.00')).status).toBe(201);
    await caughtUp();
    expect((await h.buyingPower!.read(user.accountId))?.buyingPower).toBe('0.00');
  });

  it('a stale low value does not refuse a good order: the decider decides when the entry is behind the stream', async () => {
    const user = await h.fundedAccount('1000.00');
    await caughtUp();
    // As the model would be if it had not yet applied the account's last event (say, the deposit's settlement).
    await forge(user.accountId, '0.00', (await lastRevision(user.accountId)) - 1n);
    const placed = await buy(user.token, '1', '100.00');
    expect(placed.status).toBe(201);
  });

  it('a current entry is trusted: a value at the stream\'s last revision refuses without the decider', async () => {
    const user = await h.fundedAccount('1000.00');
    await caughtUp();
    // A value the model never holds (the property test keeps it equal to the decider's fold): it shows the refusal came from the model.
    await forge(user.accountId, '5.00', await lastRevision(user.accountId));
    const refused = await buy(user.token, '1', '100.00');
    expect([refused.status, refused.body.error?.code]).toEqual([422, 'INSUFFICIENT_BUYING_POWER']);
    expect(refused.body.error.message).toBe('order needs 100.00, buying power is 5.00');
    // A stale high value lets the order through to the decider, which refuses it.
    await forge(user.accountId, '1000000.00', await lastRevision(user.accountId));
    const tooBig = await buy(user.token, '100', '100.00');
    expect([tooBig.status, tooBig.body.error?.message]).toEqual([422, 'order needs 10000.00, buying power is 1000.00']);
  });

  it('an idempotent retry of a placed order is answered as placed even when the model now refuses its amount', async () => {
    const user = await h.fundedAccount('1000.00');
    const key = randomUUID();
    const body = { symbol: 'AAPL', side: 'buy', type: 'limit', quantity: '10', limit_price: '100.00', time_in_force: 'gtc' };
    const first = await h.request('POST', '/v1/orders', { token: user.token, key, body });
    expect(first.status).toBe(201);
    await caughtUp();
    await h.flushIdempotency();
    const again = await h.request('POST', '/v1/orders', { token: user.token, key, body });
    expect([again.status, again.body.order_id]).toEqual([201, first.body.order_id]);
  });
});
