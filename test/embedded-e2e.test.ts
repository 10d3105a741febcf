import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import Big from 'big.js';
import { connectSocketIoClient, eventually, expectConnected } from './support/streaming-clients';

/** `npm start`'s entry point, started as a user would, on ports of its own. */
const ROOT = path.resolve(__dirname, '..');
const API_PORT = 18_380 + Math.floor(Math.random() * 200);
const STREAMING_PORT = API_PORT + 1_000;
const OPS_PORT = API_PORT + 2_000;
// PGlite's start took 46 s on the shared 2-core machine at load 20: allow two minutes.
const START_ROUNDS_MAX = 600;
const START_TIMEOUT_MS = 150_000;
const START_ROUND_MS = 200;

jest.setTimeout(120_000);

let child: ChildProcess;
const base = `http://127.0.0.1:${API_PORT}`;

beforeAll(async () => {
  child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/start-embedded.ts')], {
    cwd: ROOT, stdio: 'ignore',
    env: { ...process.env, PORT: String(API_PORT), STREAMING_PORT: String(STREAMING_PORT), OPS_PORT: String(OPS_PORT), DATA_DIR: 'memory', LOG_LEVEL: 'warn', RUN_MODE: 'embedded' },
  });
  for (let round = 0; round < START_ROUNDS_MAX; round += 1) {
    try {
      if ((await fetch(`${base}/healthz`)).status === 200) return;
    } catch { /* not listening yet */ }
    await new Promise((resolve) => setTimeout(resolve, START_ROUND_MS));
  }
  throw new Error('the embedded platform did not start');
}, START_TIMEOUT_MS);

afterAll(async () => {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
});

const post = async (route: string, body: unknown, token?: string) => {
  const reply = await fetch(`${base}${route}`, {
    method: 'POST', body: JSON.stringify(body),
    headers: { 'Content-Type': 'application/json', 'Idempotency-Key': randomUUID(), ...(token ? { Authorization: `Bearer ${token}` } : {}) },
  });
  return { status: reply.status, body: await reply.json() as Record<string, string> };
};

/** The projections trail the fill by a batch: poll the read side, bounded. */
const READ_ROUNDS_MAX = 100;
const READ_ROUND_MS = 100;

it('serves the README\'s first session, streams simulated quotes, and tells the user about their own order', async () => {
  const signUp = await post('/v1/accounts', { email: `${randomUUID()}@example.com`, password: 'correct horse battery' });
  expect(signUp.status).toBe(201);
  const token = signUp.body.token!;
  const client = expectConnected(await connectSocketIoClient(STREAMING_PORT, token)).client;
  try {
    await client.request({ action: 'subscribe', channel: 'quotes', symbols: ['AAPL'] });
    await client.request({ action: 'subscribe', channel: 'orders', symbols: [] });
    await eventually(() => client.market.some((m) => m.channel === 'quotes' && m.symbol === 'AAPL'), 'a simulated AAPL quote');

    expect((await post('/v1/transfers', { direction: 'deposit', amount: '500.00' }, token)).status).toBe(201);
    const order = await post('/v1/orders', { symbol: 'AAPL', side: 'buy', type: 'market', notional: '50.00' }, token);
    expect(order.status).toBe(201);
    expect(order.body.status).toBe('pending_new');
    // A notional market buy reserves its shares at the reference price plus the 5% collar.
    expect(new Big(order.body.reserved_amount!).gt('50.00') && new Big(order.body.reserved_amount!).lte('52.50')).toBe(true);
    await eventually(() => client.market.some((m) => m.channel === 'orders' && m.order_id === order.body.order_id), 'the order update on the socket');
    // The in-process venues fill it over loopback FIX: a new user sees the fill.
    await eventually(() => client.market.some((m) => m.channel === 'orders' && m.order_id === order.body.order_id && m.status === 'filled'), 'the fill on the socket');

    const quotes = await (await fetch(`${base}/v1/market/quotes?symbols=AAPL`)).json() as { quotes: { bid: string; ask: string }[] };
    expect(new Big(quotes.quotes[0]!.bid).lt(quotes.quotes[0]!.ask)).toBe(true);

    // The read side runs in the same process on the same PGlite: the projections show the filled order and its position.
    const auth = { Authorization: `Bearer ${token}` };
    const filledOrders = async () => (await (await fetch(`${base}/v1/orders?status=filled`, { headers: auth })).json() as { orders: { order_id: string }[] }).orders;
    let listed = false;
    for (let round = 0; round < READ_ROUNDS_MAX && !listed; round += 1) {
      listed = (await filledOrders()).some((o) => o.order_id === order.body.order_id);
      if (!listed) await new Promise((resolve) => setTimeout(resolve, READ_ROUND_MS));
    }
    expect(listed).toBe(true);
    const portfolio = await (await fetch(`${base}/v1/portfolio`, { headers: auth })).json() as {
      buying_power: string; positions: { symbol: string; quantity: string; avg_cost: string }[];
    };
    const aapl = portfolio.positions.find((p) => p.symbol === 'AAPL');
    expect(aapl).toBeDefined();
    // $500 deposited, about $50 spent on AAPL (the cost is rounded to the cent once).
    const spent = new Big(aapl!.quantity).times(aapl!.avg_cost);
    expect(new Big(portfolio.buying_power).plus(spent).minus('500.00').abs().lte('0.01')).toBe(true);
  } finally {
    client.close();
  }
});

it('serves /metrics on the loopback ops port only, never on the public API port', async () => {
  expect((await fetch(`${base}/metrics`)).status).toBe(404);
  const scraped = await fetch(`http://127.0.0.1:${OPS_PORT}/metrics`);
  expect(scraped.status).toBe(200);
  expect(await scraped.text()).toContain('http_request');
});
