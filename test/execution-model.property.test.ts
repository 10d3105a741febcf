import { randomUUID } from 'node:crypto';
import Big from 'big.js';
import fc from 'fast-check';
import { big } from '../domain/money';
import { ledgerMismatches } from './support/ledger-check';
import { startExecutionRig, type ExecutionRig } from './support/execution-rig';
import { startTradingHarness, type TradingHarness } from './support/trading-harness';
import { waitFor } from './support/wait-for';

/** Small on purpose: every run trades through real FIX sessions and PostgreSQL. MODEL_RUNS and MODEL_SEED override. */
const RUNS = Number(process.env.MODEL_RUNS ?? 6);
const SEED = Number(process.env.MODEL_SEED ?? Date.now() % 2_147_483_647);
/** fast-check's path of a failing case (it prints it with the seed): replays that case alone. */
const PATH = process.env.MODEL_PATH;
// A bound per run, not a pace: a run takes 5 s on an idle machine and over 30 s on the loaded 2 cores, and a
// jest timeout ends the property before fast-check can print the seed and path that replay it.
jest.setTimeout(60_000 + RUNS * 300_000);
const DEPOSIT = '100000.00';
const TERMINAL = new Set(['filled', 'cancelled', 'rejected', 'expired']);
const SETTLE_TIMEOUT_MS = 120_000;
const MIDS = { AAPL: '190.00', MSFT: '400.00' } as const;
type Symbol = keyof typeof MIDS;

type Place = { kind: 'place'; symbol: Symbol; side: 'buy' | 'sell'; type: 'market' | 'limit' | 'stop' | 'stop_limit'; notional: boolean; quantityMicros: number; offsetBps: number; tif: 'day' | 'gtc' | 'ioc' | 'fok' };
type Quote = { kind: 'quote'; symbol: Symbol; moveBps: number; size: number };
type Cancel = { kind: 'cancel'; pick: number };
type Replace = { kind: 'replace'; pick: number; quantityMicros: number; offsetBps: number };
/** Lets the engine and the venues catch up: the engine has acted on every order event so far, and no order it sent waits for the venue's answer. */
type Catch = { kind: 'catch_up' };
type Step = Place | Quote | Cancel | Replace | Catch;
/**
 * Not a pace but a bound: catching up is a condition, and this only turns a hang into a failure that says so.
 * Generous because the engine's subscription sees nothing above a transaction open anywhere on the shared
 * server (another helper's 45 s rebuild transaction was seen holding every subscriber back).
 */
const CATCH_UP_TIMEOUT_MS = 180_000;
/** Tries of a command the server answers 503 (each after its Retry-After). */
const COMMAND_ATTEMPTS_MAX = 30;
const ENGINE_EVENTS = new Set(['OrderPlaced', 'OrderCancelRequested', 'OrderReplaceRequested']);

const symbolArb = fc.constantFrom<Symbol>('AAPL', 'MSFT');
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.record({
    kind: fc.constant('place' as const), symbol: symbolArb, side: fc.constantFrom<'buy' | 'sell'>('buy', 'buy', 'sell'),
    type: fc.constantFrom<Place['type']>('market', 'market', 'limit', 'limit', 'stop', 'stop_limit'), notional: fc.boolean(),
    // Whole and fractional shares: 0.01 to 12.
    quantityMicros: fc.integer({ min: 10_000, max: 12_000_000 }), offsetBps: fc.integer({ min: -120, max: 120 }),
    tif: fc.constantFrom<Place['tif']>('day', 'gtc', 'ioc', 'fok'),
  }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('quote' as const), symbol: symbolArb, moveBps: fc.integer({ min: -150, max: 150 }), size: fc.integer({ min: 1, max: 20 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('catch_up' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('replace' as const), pick: fc.nat(), quantityMicros: fc.integer({ min: 10_000, max: 12_000_000 }), offsetBps: fc.integer({ min: -120, max: 120 }) }) },
);

const cents = (value: Big): string => value.round(2, Big.roundHalfUp).toFixed(2);
const shares = (micros: number): string => big(String(micros)).div(1_000_000).toFixed(6);

/**
 * The execution side against a model: random orders of every type and size (whole, fractional, notional),
 * quotes that move (and cross resting orders, trigger stops, fill in parts), cancels and replaces, all
 * through the REST API, the real execution engine, real FIX sessions on TCP and the simulated venues (which
 * fill partly and reject at random), on a real PostgreSQL event store. After each run every order is driven
 * to an end, then: for every order, Σ fills booked = Σ fills the venue executed (drop copy); no ExecID booked
 * twice; cash, reserves and positions, in the account state and in the read side's portfolio, equal a pure
 * fold of the fills; every terminal order's reserve released.
 */
describe('execution model: random orders, fills, cancels and replaces against a fold of the fills', () => {
  let h: TradingHarness;
  let rig: ExecutionRig;

  beforeAll(async () => {
    h = await startTradingHarness('exec_model', { readModels: true });
    rig = await startExecutionRig(h, { profile: { fillRate: 0.8, partialFillRate: 0.4, rejectRate: 0.08 } });
  });
  afterAll(async () => {
    await rig?.stop();
    await h?.close();
  });

  /**
   * A command as a well-behaved client sends it: a 503 (the account stream too contended to decide now, seen
   * under load beside the engine's and the intake's writes) is retried with the same idempotency key after
   * its Retry-After, as the server asks. Only a 503 that never clears is a failure.
   */
  const command = async (method: 'POST' | 'DELETE' | 'PATCH', path: string, options: { token: string; body?: unknown; headers?: Record<string, string> }) => {
    const key = randomUUID();
    for (let attempt = 1; ; attempt += 1) {
      const reply = await h.request(method, path, { ...options, key });
      if (reply.status !== 503 || attempt === COMMAND_ATTEMPTS_MAX) return reply;
      await new Promise((resolve) => setTimeout(resolve, Number(reply.headers.get('retry-after') ?? '1') * 1_000));
    }
  };
  const orderOf = async (token: string, id: string) => (await h.request('GET', `/v1/orders/${id}`, { token })).body as { status: string; etag: string; type: string; symbol: Symbol };

  const refusals = new Map<string, number>();
  type User = { readonly accountId: string; readonly token: string };
  /**
   * Waits on conditions, never on time (a time bound made the scenario depend on the machine's load: on a
   * busy one the engine had routed nothing yet and every order was cancelled unsent). First the engine has
   * acted on the last order event committed for this account (routed, held, refused or confirmed); then
   * every order it sent has the venue's answer. A held stop stays pending_new unrouted, so it is not waited for.
   */
  const caughtUp = async (user: User, ids: readonly string[]) => {
    let lastEngineEvent = 0n;
    for await (const e of h.store.readStream(`account-${user.accountId}`)) if (ENGINE_EVENTS.has(e.type)) lastEngineEvent = e.position;
    await waitFor(async () => (rig.gateway.engine.doneUpTo() >= lastEngineEvent ? true : undefined), 'the engine to act on every order event', CATCH_UP_TIMEOUT_MS);
    await waitFor(async () => {
      const routed = new Set<string>();
      for await (const e of h.store.readStream(`account-${user.accountId}`)) if (e.type === 'OrderRouted') routed.add((e.data as { orderId: string }).orderId);
      const statuses = await Promise.all(ids.map(async (id) => [id, (await orderOf(user.token, id)).status] as const));
      return statuses.some(([id, status]) => status === 'pending_new' && routed.has(id)) ? undefined : true;
    }, 'the venues to answer every order sent', CATCH_UP_TIMEOUT_MS);
  };

  /** Runs one scenario for a fresh account; returns the ids of the orders it placed. */
  const play = async (steps: readonly Step[], user: User): Promise<string[]> => {
    const mids = new Map<Symbol, Big>(Object.entries(MIDS).map(([s, m]) => [s as Symbol, big(m)]));
    for (const symbol of Object.keys(MIDS) as Symbol[]) await rig.quote(symbol, cents(big(MIDS[symbol]).minus('0.01')), cents(big(MIDS[symbol]).plus('0.01')), 50);
    const ids: string[] = [];
    // Shares to sell: a position in each symbol before the random steps.
    for (const symbol of Object.keys(MIDS) as Symbol[]) {
      const reply = await command('POST', '/v1/orders', { token: user.token, body: { symbol, side: 'buy', type: 'market', quantity: '5', time_in_force: 'gtc' } });
      expect(reply.status).toBe(201);
      ids.push(reply.body.order_id as string);
    }
    await caughtUp(user, ids);
    const expectRefusedCleanly = (reply: { status: number; body: any }) => {
      // A refusal is the user's (4xx with a stable code), never the server's.
      if (reply.status >= 500) throw new Error(`server error ${reply.status}: ${JSON.stringify(reply.body)}`);
      if (reply.status >= 400) {
        expect(typeof reply.body.error?.code).toBe('string');
        refusals.set(reply.body.error.code, (refusals.get(reply.body.error.code) ?? 0) + 1);
      }
    };
    for (const step of steps) {
      switch (step.kind) {
        case 'place': {
          const mid = mids.get(step.symbol)!;
          const away = mid.times(big(String(step.offsetBps)).div(10_000));
          const limit = cents(mid.plus(away));
          const stop = cents(step.side === 'buy' ? mid.plus(away.abs()).plus('0.05') : mid.minus(away.abs()).minus('0.05'));
          const body: Record<string, unknown> = { symbol: step.symbol, side: step.side, type: step.type, time_in_force: step.tif };
          if (step.type === 'market' && step.notional) body.notional = cents(big(String(step.quantityMicros)).div(10_000));
          else body.quantity = shares(step.quantityMicros);
          if (step.type === 'limit' || step.type === 'stop_limit') body.limit_price = step.type === 'stop_limit' ? cents(big(stop).plus(step.side === 'buy' ? '0.10' : '-0.10')) : limit;
          if (step.type === 'stop' || step.type === 'stop_limit') body.stop_price = stop;
          const reply = await command('POST', '/v1/orders', { token: user.token, body });
          expectRefusedCleanly(reply);
          if (reply.status === 201) ids.push(reply.body.order_id as string);
          break;
        }
        case 'quote': {
          const mid = mids.get(step.symbol)!.times(big(String(10_000 + step.moveBps)).div(10_000));
          mids.set(step.symbol, mid);
          await rig.quote(step.symbol, cents(mid.minus('0.01')), cents(mid.plus('0.01')), step.size);
          break;
        }
        case 'cancel': {
          if (ids.length === 0) break;
          expectRefusedCleanly(await command('DELETE', `/v1/orders/${ids[step.pick % ids.length]}`, { token: user.token }));
          break;
        }
        case 'catch_up':
          await caughtUp(user, ids);
          break;
        case 'replace': {
          if (ids.length === 0) break;
          const id = ids[step.pick % ids.length]!;
          await caughtUp(user, [id]);
          const order = await orderOf(user.token, id);
          const body: Record<string, unknown> = { quantity: shares(step.quantityMicros) };
          if (order.type === 'limit') body.limit_price = cents(mids.get(order.symbol)!.times(big(String(10_000 + step.offsetBps)).div(10_000)));
          expectRefusedCleanly(await command('PATCH', `/v1/orders/${id}`, { token: user.token, body, headers: { 'If-Match': `"${order.etag}"` } }));
          break;
        }
      }
    }
    // Deep liquidity at the last prices: what still waits for size (market orders, marketable limits) fills now.
    for (const [symbol, mid] of mids) await rig.quote(symbol, cents(mid.minus('0.01')), cents(mid.plus('0.01')), 1_000_000);
    await caughtUp(user, ids);
    return ids;
  };

  /** What the account stream and the venues hold of one order: for a failure message. */
  const historyOf = async (user: User, orderId: string) => {
    const events: string[] = [];
    for await (const e of h.store.readStream(`account-${user.accountId}`)) {
      if ((e.data as { orderId?: string }).orderId === orderId) events.push(`${e.type} ${JSON.stringify(e.data).slice(0, 160)}`);
    }
    const venue: string[] = [];
    for (const { venue: v } of rig.venues.values()) {
      for (const row of await v.dropCopy.read()) if (row.clOrdId.startsWith(orderId)) venue.push(`${v.mic} ${row.execType} ${row.ordStatus} ${row.clOrdId} last=${row.lastQty} cum=${row.cumQty}`);
    }
    return { events, venue };
  };

  /** Deep liquidity at the last prices, then a cancel for whatever still works, until every order has ended. */
  const settle = async (user: User, ids: readonly string[]) => {
    const deadline = Date.now() + SETTLE_TIMEOUT_MS;
    for (;;) {
      const orders = await Promise.all(ids.map(async (id) => [id, await orderOf(user.token, id)] as const));
      const open = orders.filter(([, o]) => !TERMINAL.has(o.status));
      if (open.length === 0) return;
      if (Date.now() > deadline) throw new Error(`orders never ended: ${JSON.stringify(await Promise.all(open.map(async ([id, o]) => ({ id, status: o.status, ...(await historyOf(user, id)) }))), null, 1)}`);
      for (const [id, o] of open) {
        if (o.status !== 'pending_cancel' && o.status !== 'pending_replace') await command('DELETE', `/v1/orders/${id}`, { token: user.token });
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  /**
   * Σ fills per order at the venues (their drop copies) and as booked. Booked is read from the account's own
   * stream, not readAll: readAll shows only what lies below every transaction open on the server, and the
   * server is shared, so another database's long transaction used to hide this account's fills from it
   * (seen under load: fills in the stream, absent from readAll for over 10 s).
   */
  const venueAndBooked = async (user: User, ids: readonly string[]) => {
    const wanted = new Set(ids);
    const atVenues = new Map<string, string>();
    for (const { venue } of rig.venues.values()) {
      for (const row of await venue.dropCopy.read()) {
        const orderId = row.clOrdId.slice(0, row.clOrdId.lastIndexOf('.'));
        if (row.lastQty !== null && wanted.has(orderId)) atVenues.set(orderId, big(atVenues.get(orderId) ?? '0').plus(row.lastQty).toFixed(6));
      }
    }
    const booked = new Map<string, string>();
    for await (const e of h.store.readStream(`account-${user.accountId}`)) {
      if (e.type !== 'OrderFilled') continue;
      const data = e.data as { orderId: string; quantity: string };
      if (wanted.has(data.orderId)) booked.set(data.orderId, big(booked.get(data.orderId) ?? '0').plus(data.quantity).toFixed(6));
    }
    return { atVenues, booked };
  };

  it('Σ fills booked = Σ fills at the venues, and cash, reserves and positions fold from the fills', async () => {
    console.info(`execution model: seed ${SEED}, ${RUNS} runs (MODEL_SEED=${SEED} MODEL_RUNS=${RUNS} to replay; add MODEL_PATH=<path> from a failure for that case alone)`);
    let ordersSeen = 0;
    const tally = new Map<string, number>();
    await fc.assert(fc.asyncProperty(fc.array(stepArb, { minLength: 6, maxLength: 18 }), async (steps) => {
      const user = await h.fundedAccount(DEPOSIT);
      const ids = await play(steps, user);
      await settle(user, ids);
      ordersSeen += ids.length;
      for (const { venue } of rig.venues.values()) await venue.settled();
      // Every order has ended, so each of its fills was booked before (one session, reports in order, booked
      // per order in turn): the two should agree now. The wait is a margin on that reasoning, not a pace.
      const agree = (r: { booked: Map<string, string>; atVenues: Map<string, string> }) => JSON.stringify([...r.booked].sort()) === JSON.stringify([...r.atVenues].sort());
      const result = await waitFor(async () => { const r = await venueAndBooked(user, ids); return agree(r) ? r : undefined; }, 'booked fills to equal the venues\'', 30_000)
        .catch(async () => venueAndBooked(user, ids));
      const differing = ids.filter((id) => (result.booked.get(id) ?? '0') !== (result.atVenues.get(id) ?? '0'));
      if (differing.length > 0) {
        // Each differing order's account events and venue executions, to read the race from the log.
        const histories = await Promise.all(differing.map(async (id) => ({ id, booked: result.booked.get(id) ?? '0', atVenues: result.atVenues.get(id) ?? '0', ...(await historyOf(user, id)) })));
        console.error(`execution model: fills booked differ from the venues' (MODEL_SEED=${SEED} MODEL_RUNS=${RUNS}):\n${JSON.stringify(histories, null, 1)}`);
      }
      expect(new Map([...result.booked].sort())).toEqual(new Map([...result.atVenues].sort()));
      expect(await ledgerMismatches(h, user, DEPOSIT)).toEqual([]);
      for await (const e of h.store.readStream(`account-${user.accountId}`)) tally.set(e.type, (tally.get(e.type) ?? 0) + 1);
    }), { seed: SEED, numRuns: RUNS, endOnFailure: true, ...(PATH === undefined ? {} : { path: PATH }) });
    console.info(`execution model: ${ordersSeen} orders; events ${JSON.stringify(Object.fromEntries([...tally].sort()))}; refused ${JSON.stringify(Object.fromEntries(refusals))}`);
    expect(ordersSeen).toBeGreaterThan(0);
    expect(tally.get('OrderFilled') ?? 0).toBeGreaterThan(0);
  });
});
