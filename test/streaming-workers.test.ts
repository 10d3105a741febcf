import { signAccessToken } from '../infrastructure/auth/jwt';
import { connectNatsBus, type NatsBus } from '../infrastructure/bus/nats';
import type { NodeHealth } from '../streaming/node/cluster-node';
import { startChildProcess, type ChildProcess } from './support/child-process';
import { startNatsServer, type NatsServer } from './support/nats-server';
import { connectWsClient, eventually, expectConnected, type TestClient } from './support/streaming-clients';
import { waitFor } from './support/wait-for';

const SECRET = 'streaming-workers-secret-of-forty-chars!';
const WORKERS = 2;
const CLIENTS = 4;

const listeningLines = (node: ChildProcess) => node.lines.filter((line) => line.msg === 'streaming node listening');
/**
 * Bounded: a connection node:cluster's primary hands to a worker that dies before taking it can be left neither
 * answered nor reset (the primary waits for the dead worker's reply), so a probe racing a worker's death may hang,
 * as a real client's would until it gives up. Seen once in a full run: the test hung past its timeout.
 */
const PROBE_TIMEOUT_MS = 3_000;
const healthOf = async (port: number): Promise<{ status: number; body: NodeHealth }> => {
  const response = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
  return { status: response.status, body: (await response.json()) as NodeHealth };
};
const quote = (symbol: string, bid: string) =>
  new TextEncoder().encode(`{"symbol":"${symbol}","bid":"${bid}","ask":"2.00","last":"${bid}","volume":10,"ts":1,"channel":"quotes"}`);

/** The real entry point with STREAMING_WORKERS=2 on its own nats-server: one node, two processes, one port. */
describe('a streaming node of two worker processes', () => {
  let nats: NatsServer;
  let publisher: NatsBus;
  let node: ChildProcess;
  let port: number;
  const clients: { client: TestClient; closed: Promise<number>; isClosed: () => boolean }[] = [];
  const connect = async (accountId: string) => {
    const { client, closed } = expectConnected(await connectWsClient(port, { query: signAccessToken({ accountId }, SECRET) }));
    let closedYet = false;
    void closed.then(() => { closedYet = true; });
    const entry = { client, closed, isClosed: () => closedYet };
    clients.push(entry);
    return entry;
  };

  beforeAll(async () => {
    nats = await startNatsServer();
    publisher = await connectNatsBus({ servers: nats.url, name: 'workers-test-publisher' });
    node = startChildProcess('streaming', 'scripts/start-streaming.ts', [], {
      STREAMING_WORKERS: String(WORKERS), PORT: '0', HOST: '127.0.0.1', JWT_SECRET: SECRET, NATS_URL: nats.url, LOG_LEVEL: 'info', REDIS_URL: '',
    });
    await waitFor(async () => (listeningLines(node).length >= WORKERS ? true : undefined), 'both workers listening', 60_000).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${node.tail()}`);
    });
    port = listeningLines(node)[0]!.port as number;
  }, 90_000);

  afterAll(async () => {
    for (const { client } of clients) client.close();
    await node?.stop();
    await publisher?.close();
    await nats?.kill();
  });

  it('shares one port: quotes reach clients of both workers, /healthz and /metrics describe the whole node', async () => {
    expect(new Set(listeningLines(node).map((line) => line.port))).toEqual(new Set([port]));
    for (let i = 0; i < CLIENTS; i += 1) {
      const { client } = await connect(`w${i}`);
      expect(await client.request({ action: 'subscribe', channel: 'quotes', symbols: ['AAPL'] })).toMatchObject({ action: 'subscribed' });
    }

    const health = await healthOf(port);
    expect(health.status).toBe(200);
    expect(health.body.connections).toBe(CLIENTS);
    expect(health.body.workers).toHaveLength(WORKERS);
    // The primary hands connections out in turn: every worker holds some.
    for (const worker of health.body.workers) expect(worker.connections).toBeGreaterThan(0);

    publisher.publish('md.quote.AAPL', quote('AAPL', '1.23'));
    await publisher.flush();
    await eventually(() => clients.every(({ client }) => client.market.some((m) => m.bid === '1.23')), 'the quote at every client');

    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`^streaming_connections ${CLIENTS}$`, 'm'));
    // Each worker holds its own NATS subscriptions: md.quote.AAPL and md.halt.AAPL, twice.
    expect(metrics).toMatch(new RegExp(`^streaming_bus_subscriptions ${WORKERS * 2}$`, 'm'));
    expect(metrics).toMatch(/^nats_connected 1$/m);
  }, 60_000);

  it('replaces a worker that dies; the other worker\'s clients keep streaming', async () => {
    const before = (await healthOf(port)).body.workers;
    const victim = before[0]!.pid;
    const survivorClients = before[1]!.connections;
    process.kill(victim, 'SIGKILL');
    // Health probes racing the death: the primary asks the dead worker for its part before it hears of the death,
    // and that failed send must not end the primary (it did: an EPIPE 'error' with no listener).
    await Promise.all(Array.from({ length: 20 }, () => healthOf(port).catch(() => undefined)));
    // Until the primary sees the death it may still hand the dead worker a connection, which is reset: probe again.
    const after = await waitFor(async () => {
      const health = await healthOf(port).catch(() => undefined);
      return health !== undefined && health.body.workers.length === WORKERS && !health.body.workers.some((w) => w.pid === victim) ? health.body : undefined;
    }, 'a new worker in place of the dead one', 60_000).catch((error: unknown) => { throw new Error(`${String(error)}\n${node.tail()}`); });
    await waitFor(async () => (listeningLines(node).length === WORKERS + 1 ? true : undefined), 'the new worker listening', 60_000).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${node.tail()}`);
    });
    expect(after.connections).toBe(survivorClients);
    // The victim's clients see their sockets close; the others still get quotes.
    await eventually(() => clients.filter((c) => c.isClosed()).length === CLIENTS - survivorClients, 'the dead worker\'s clients closed');
    const alive = clients.filter((c) => !c.isClosed()).map((c) => c.client);
    expect(alive).toHaveLength(survivorClients);
    publisher.publish('md.quote.AAPL', quote('AAPL', '4.56'));
    await publisher.flush();
    await eventually(() => alive.every((client) => client.market.some((m) => m.bid === '4.56')), 'the quote at the surviving worker\'s clients');
  }, 90_000);

  it('drains every worker on SIGTERM and exits 0', async () => {
    const { client, closed } = await connect('late');
    expect(await node.stop()).toBe(0);
    expect(await closed).toBe(1001);
    expect(client.control.some((m) => m.action === 'reconnect')).toBe(true);
    expect(node.lines.filter((line) => line.msg === 'draining')).toHaveLength(WORKERS);
  }, 60_000);
});
