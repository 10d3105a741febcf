import { randomUUID } from 'node:crypto';
import { createAccounts } from '../commands/accounts/account-stream';
import { COMMAND_ATTEMPTS_MAX } from '../commands/command-handler';
import type { EventStore } from '../infrastructure/event-store/port';
import { big } from '../domain/money';
import { sqlOrderDirectory } from '../fix-gateway/engine/order-directory';
import { createFillIntake } from '../fix-gateway/fills/fill-intake';
import type { ExecutionReport } from '../fix-gateway/session/messages';
import { createLogger } from '../infrastructure/logging';
import { reconcile, startExecutionRig, type ExecutionRig } from './support/execution-rig';
import { startTradingHarness, type TradingHarness } from './support/trading-harness';
import { waitFor } from './support/wait-for';

jest.setTimeout(90_000);


/**
 * The fills booked become visible to readAll once no older transaction is in flight: give a loaded machine time
 * (30 s, not 10 s: a CI box runs up to 10x slower than usual and stalls for up to 600 ms).
 */
const RECONCILE_WAIT_MS = 30_000;
const reconciled = async (h: TradingHarness, rig: ExecutionRig) => {
  const deadline = Date.now() + RECONCILE_WAIT_MS;
  for (;;) {
    const result = await reconcile(h, rig);
    const same = result.booked.size === result.atVenues.size && [...result.atVenues].every(([id, q]) => result.booked.get(id) === q);
    if (same || Date.now() > deadline) return result;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

describe('faults between the event store and the venues', () => {
  let h: TradingHarness;
  let rig: ExecutionRig;

  beforeAll(async () => {
    h = await startTradingHarness('exec_faults');
    // Slow venues: the engine can be stopped after an order left and before the venue answered it.
    rig = await startExecutionRig(h, { profile: { latencyMs: 400 } });
    await rig.quote('AAPL', '189.99', '190.01');
  });
  afterAll(async () => {
    await rig.stop();
    await h.close();
  });

  it('an engine killed after sending and before the ack resumes without sending anything twice', async () => {
    const user = await h.fundedAccount('10000.00');
    const placed = await h.request('POST', '/v1/orders', { token: user.token, key: randomUUID(), body: { symbol: 'AAPL', side: 'buy', type: 'market', quantity: '3' } });
    const orderId = placed.body.order_id as string;
    await waitFor(async () => ((await rig.database.query({ text: "SELECT 1 FROM fix_sent WHERE session LIKE 'gateway-%' AND message->>'clOrdId' = $1" }, [`${orderId}.0`])).rows.length > 0 ? true : undefined), 'the NewOrderSingle stored by the session');
    // The crash: the engine stops, and its checkpoint is as if it had never been saved past the order.
    await rig.gateway.stop();
    await rig.database.query({ text: 'UPDATE engine_checkpoint SET position = 0' });
    await rig.restartGateway();
    const filled = await waitFor(async () => {
      const o = (await h.request('GET', `/v1/orders/${orderId}`, { token: user.token })).body;
      return o.status === 'filled' ? o : undefined;
    }, 'the fill after the restart');
    expect(filled).toMatchObject({ filled_quantity: '3.000000', reserved_amount: '0.00' });
    const sent = await rig.database.query<{ n: string }>({ text: "SELECT count(*) AS n FROM fix_sent WHERE session LIKE 'gateway-%' AND message->>'clOrdId' = $1" }, [`${orderId}.0`]);
    expect(Number(sent.rows[0]!.n)).toBe(1);
    const { atVenues, booked } = await reconciled(h, rig);
    expect(booked).toEqual(atVenues);
  });

  it('an engine killed after routing and before its order directory entry resumes, writes the entry, sends once, and the fill is booked', async () => {
    const user = await h.fundedAccount('10000.00');
    // The crash: the engine is gone, and its routing decision is on the account stream, but nothing else
    // (the directory entry and the RouteOrder append are written side by side, so either may land alone).
    await rig.gateway.stop();
    const placed = await h.request('POST', '/v1/orders', { token: user.token, key: randomUUID(), body: { symbol: 'AAPL', side: 'buy', type: 'market', quantity: '2' } });
    const orderId = placed.body.order_id as string;
    await h.system(user.accountId, { type: 'RouteOrder', data: { orderId, venue: 'XNYS', nbboBid: '189.99', nbboAsk: '190.01', triggeredAt: null, candidates: [], atMs: h.clock.nowMs } });
    const entry = { text: 'SELECT account_id FROM engine_order WHERE order_id = $1' };
    expect((await rig.database.query(entry, [orderId])).rows).toHaveLength(0);
    await rig.restartGateway();
    const filled = await waitFor(async () => {
      const o = (await h.request('GET', `/v1/orders/${orderId}`, { token: user.token })).body;
      return o.status === 'filled' ? o : undefined;
    }, 'the fill after the restart');
    expect(filled).toMatchObject({ filled_quantity: '2.000000' });
    expect((await rig.database.query<{ account_id: string }>(entry, [orderId])).rows[0]?.account_id).toBe(user.accountId);
    const sent = await rig.database.query<{ n: string }>({ text: "SELECT count(*) AS n FROM fix_sent WHERE session LIKE 'gateway-%' AND message->>'clOrdId' = $1" }, [`${orderId}.0`]);
    expect(Number(sent.rows[0]!.n)).toBe(1);
  });

  it('every ExecutionReport delivered twice changes nothing: fills, cash and shares reconcile', async () => {
    const user = await h.fundedAccount('10000.00');
    const ids: string[] = [];
    for (const quantity of ['1', '2.5', '4']) {
      const placed = await h.request('POST', '/v1/orders', { token: user.token, key: randomUUID(), body: { symbol: 'AAPL', side: 'buy', type: 'market', quantity } });
      ids.push(placed.body.order_id as string);
    }
    await waitFor(async () => {
      const all = await Promise.all(ids.map(async (id) => (await h.request('GET', `/v1/orders/${id}`, { token: user.token })).body.status));
      return all.every((s) => s === 'filled') ? true : undefined;
    }, 'three fills');
    const head = (await h.store.headPosition()).position;
    // Every report every venue ever sent, delivered again to a fresh intake.
    const intake = createFillIntake({ accounts: createAccounts(h.store), directory: sqlOrderDirectory(rig.database), logger: createLogger({ level: 'silent' }), nowMs: Date.now });
    let again = 0;
    for (const [name, { venue }] of rig.venues) {
      for (const row of await venue.dropCopy.read()) {
        const report: ExecutionReport = {
          msgType: 'ExecutionReport', orderId: row.orderId, clOrdId: row.clOrdId, execId: row.execId, execType: row.execType as ExecutionReport['execType'],
          ordStatus: row.ordStatus as ExecutionReport['ordStatus'], symbol: row.symbol, side: row.side as ExecutionReport['side'],
          ...(row.lastQty === null ? {} : { lastQty: row.lastQty }), ...(row.lastPx === null ? {} : { lastPx: row.lastPx }),
          leavesQty: '0', cumQty: row.cumQty, avgPx: '0', transactTimeMs: Date.now(),
        };
        expect(await intake.receive(name, report)).not.toBe('booked');
        again += 1;
      }
    }
    expect(again).toBeGreaterThanOrEqual(6);
    expect((await h.store.headPosition()).position).toBe(head);
    const { atVenues, booked } = await reconciled(h, rig);
    expect(booked).toEqual(atVenues);
    // Cash: 10,000 less the cost of every fill, to the cent.
    const fills: { cash: string }[] = [];
    for await (const e of h.store.readStream(`account-${user.accountId}`)) if (e.type === 'OrderFilled') fills.push(e.data as { cash: string });
    const account = (await h.request('GET', `/v1/orders/${ids[0]}`, { token: user.token })).body;
    expect(account.status).toBe('filled');
    expect(fills).toHaveLength(3);
    expect(fills.reduce((sum, f) => sum.plus(f.cash), big('0')).toFixed(2)).toBe(big('7.5').times('190.01').toFixed(2));
  });
});

// Its own harness: no other gateway may route the order it watches.
describe('an account too busy for the engine', () => {
  it('an engine whose routing loses every round to other writers tries again until it lands: the order is not left pending_new', async () => {
    // Every append of a routing decision is refused as a conflict, more times than the handler's rounds, so the
    // engine's first RouteOrder comes back SYS_CONCURRENCY_RETRIES_EXHAUSTED (a busy account, not a refusal).
    let refusals = COMMAND_ATTEMPTS_MAX + 2;
    const contended = (store: EventStore): EventStore => ({ ...store, appendToStream: async (streamId, events, options) => {
      if (refusals > 0 && events.some((e) => e.type === 'OrderRouted')) {
        refusals -= 1;
        return { kind: 'RevisionConflict', streamId, expected: options.expectedRevision, actual: 'no_stream' };
      }
      return store.appendToStream(streamId, events, options);
    } });
    const h = await startTradingHarness('exec_busy');
    const busyRig = await startExecutionRig(h, { gatewayStore: contended(h.store) });
    try {
      await busyRig.quote('AAPL', '189.99', '190.01');
      const user = await h.fundedAccount('10000.00');
      const placed = await h.request('POST', '/v1/orders', { token: user.token, key: randomUUID(), body: { symbol: 'AAPL', side: 'buy', type: 'market', quantity: '1' } });
      const orderId = placed.body.order_id as string;
      const filled = await waitFor(async () => {
        const o = (await h.request('GET', `/v1/orders/${orderId}`, { token: user.token })).body;
        return o.status === 'filled' ? o : undefined;
      }, 'the order filled after its routing was refused for a while');
      expect(filled).toMatchObject({ filled_quantity: '1.000000' });
      expect(refusals).toBe(0);
    } finally {
      await busyRig.stop();
      await h.close();
    }
  });
});
