import pino from 'pino';
import { signAccessToken } from '../infrastructure/auth/jwt';
import { connectNatsBus, registerNatsMetrics, type NatsBus } from '../infrastructure/bus/nats';
import { SymbolTable } from '../streaming/market/symbol-table';
import { MarketIngest } from '../streaming/ingest/market-ingest';
import { createStreamingNode, type StreamingNode } from '../streaming/node/streaming-node';
import { connectSocketIoClient, connectWsClient, expectConnected, type ReceivedMessage, type TestClient } from './support/streaming-clients';
import { startNatsServer, type NatsServer } from './support/nats-server';

const SECRET = 'nats-restart-secret';
const WINDOW_MS = 20;
const TICK_MS = 20;
/** The promise: quotes flow again within this long of NATS coming back. */
const RESUME_WITHIN_MS = 5_000;
const OUTAGE_MS = 1_500;
const T0 = Date.UTC(2026, 10, 25, 15);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Waits for `condition`, at most `withinMs`; false if it never held. */
const within = async (withinMs: number, condition: () => boolean): Promise<boolean> => {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await sleep(10);
  }
  return condition();
};

/** The subjects the server holds for the connection named `name`, from its monitoring endpoint. */
const serverSubscriptions = async (server: NatsServer, name: string): Promise<string[]> => {
  const connz = (await (await fetch(`${server.monitorUrl}/connz?subs=1`)).json()) as { connections?: { name?: string; subscriptions_list?: string[] }[] };
  return (connz.connections ?? []).filter((c) => c.name === name).flatMap((c) => c.subscriptions_list ?? []).sort();
};

const quotesOf = (client: TestClient, symbol: string): ReceivedMessage[] => client.market.filter((m) => m.channel === 'quotes' && m.symbol === symbol);

it('a streaming node under a NATS restart keeps every client, resubscribes to exactly what they watch, and quotes resume', async () => {
  const server = await startNatsServer();
  const buses: NatsBus[] = [];
  let node: StreamingNode | undefined;
  const clients: TestClient[] = [];
  let ticker: NodeJS.Timeout | undefined;
  try {
    const ingestBus = await connectNatsBus({ servers: server.url, name: 'restart-ingest' });
    const nodeBus = await connectNatsBus({ servers: server.url, name: 'restart-node' });
    buses.push(ingestBus, nodeBus);
    node = createStreamingNode({ bus: nodeBus, jwtSecret: SECRET, logger: pino({ level: 'silent' }), conflationWindowMs: WINDOW_MS });
    registerNatsMetrics(node.metrics.registry, nodeBus);
    const port = await node.listen();
    const sio = expectConnected(await connectSocketIoClient(port, signAccessToken({ accountId: 'a1' }, SECRET)));
    const ws = expectConnected(await connectWsClient(port, { query: signAccessToken({ accountId: 'a2' }, SECRET) }));
    clients.push(sio.client, ws.client);
    await sio.client.request({ action: 'subscribe', channel: 'quotes', symbols: ['AAPL'] });
    await ws.client.request({ action: 'subscribe', channel: 'quotes', symbols: ['AAPL', 'MSFT'] });

    // Ingest ticks every symbol's bid up by one cent per tick, so each quote is new.
    const ingest = new MarketIngest(new SymbolTable(['AAPL', 'MSFT', 'TSLA']), ingestBus);
    let tick = 0;
    ticker = setInterval(() => {
      tick += 1;
      for (let s = 0; s < 3; s += 1) ingest.onQuote(s, 0, 0, 1_000_000 + tick * 100, 2_000_000, 100, 100, T0 + tick);
    }, TICK_MS);
    expect(await within(RESUME_WITHIN_MS, () => quotesOf(sio.client, 'AAPL').length > 0 && quotesOf(ws.client, 'MSFT').length > 0)).toBe(true);

    await server.kill();
    expect(await within(RESUME_WITHIN_MS, () => !nodeBus.stats().connected && !ingestBus.stats().connected)).toBe(true);
    // Clients keep changing what they watch while NATS is away, and get their answers.
    expect(await ws.client.request({ action: 'unsubscribe', channel: 'quotes', symbols: ['MSFT'] })).toMatchObject({ action: 'unsubscribed' });
    expect(await sio.client.request({ action: 'subscribe', channel: 'quotes', symbols: ['TSLA'] })).toMatchObject({ action: 'subscribed' });
    await sleep(OUTAGE_MS);
    expect(ingestBus.stats().publishesDropped).toBeGreaterThan(0);

    await server.start();
    const seen = { aapl: quotesOf(sio.client, 'AAPL').length, ws: quotesOf(ws.client, 'AAPL').length, tsla: quotesOf(sio.client, 'TSLA').length };
    expect(await within(RESUME_WITHIN_MS, () => quotesOf(sio.client, 'AAPL').length > seen.aapl && quotesOf(ws.client, 'AAPL').length > seen.ws && quotesOf(sio.client, 'TSLA').length > seen.tsla)).toBe(true);

    // The revocation notices' subject comes back too: sockets of sessions ended after the restart still close at once.
    expect(await serverSubscriptions(server, 'restart-node')).toEqual(['auth.revoked', 'md.halt.AAPL', 'md.halt.TSLA', 'md.quote.AAPL', 'md.quote.TSLA']);
    const msftAfterUnsubscribe = quotesOf(ws.client, 'MSFT').length;
    await sleep(5 * TICK_MS);
    expect(quotesOf(ws.client, 'MSFT')).toHaveLength(msftAfterUnsubscribe);
    expect(node.stats().connections).toBe(2);
    expect(sio.socket.connected).toBe(true);
    expect(ws.socket.readyState).toBe(ws.socket.OPEN);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/^nats_disconnects_total 1$/m);
    expect(metrics).toMatch(/^nats_reconnects_total 1$/m);
    expect(metrics).toMatch(/^nats_connected 1$/m);
  } finally {
    clearInterval(ticker);
    for (const client of clients) client.close();
    await node?.close();
    for (const bus of buses) await bus.close();
    await server.stop();
  }
});

it('closes a NATS bus cleanly while the server is gone', async () => {
  const server = await startNatsServer();
  try {
    const bus = await connectNatsBus({ servers: server.url, name: 'close-while-down' });
    bus.subscribe('md.quote.AAPL', () => undefined);
    await server.kill();
    expect(await within(RESUME_WITHIN_MS, () => !bus.stats().connected)).toBe(true);
    bus.publish('md.quote.AAPL', new Uint8Array([0x7b, 0x7d]));
    await bus.flush();
    await bus.close();
    expect(bus.connection.isClosed()).toBe(true);
    expect(bus.stats()).toMatchObject({ disconnects: 1, publishesDropped: 1 });
  } finally {
    await server.stop();
  }
});
