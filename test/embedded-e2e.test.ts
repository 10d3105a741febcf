import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import Big from 'big.js';
import { connectSocketIoClient, eventually, expectConnected } from './support/streaming-clients';

/** `npm start`'s entry point, started as a user would, on ports of its own. */
const ROOT = path.resolve(__dirname, '..');
const API_PORT = 18_380 + Math.floor(Math.random() * 200);
const STREAMING_PORT = API_PORT + 1_000;
const START_ROUNDS_MAX = 150;
const START_ROUND_MS = 200;

let child: ChildProcess;
const base = `http://127.0.0.1:${API_PORT}`;

beforeAll(async () => {
  child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/start-embedded.ts')], {
    cwd: ROOT, stdio: 'ignore',
    env: { ...process.env, PORT: String(API_PORT), STREAMING_PORT: String(STREAMING_PORT), DATA_DIR: 'memory', LOG_LEVEL: 'warn', RUN_MODE: 'embedded' },
  });
  for (let round = 0; round < START_ROUNDS_MAX; round += 1) {
    try {
      if ((await fetch(`${base}/healthz`)).status === 200) return;
    } catch { /* not listening yet */ }
    await new Promise((resolve) => setTimeout(resolve, START_ROUND_MS));
  }
  throw new Error('the embedded platform did not start');
});

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
    expect(order.body).toMatchObject({ status: 'pending_new', reserved_amount: '50.00' });
    await eventually(() => client.market.some((m) => m.channel === 'orders' && m.order_id === order.body.order_id), 'the order update on the socket');

    const quotes = await (await fetch(`${base}/v1/market/quotes?symbols=AAPL`)).json() as { quotes: { bid: string; ask: string }[] };
    expect(new Big(quotes.quotes[0]!.bid).lt(quotes.quotes[0]!.ask)).toBe(true);
  } finally {
    client.close();
  }
});
