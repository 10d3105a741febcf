import pino from 'pino';
import { signAccessToken } from '../infrastructure/auth/jwt';
import { createInProcessBus } from '../infrastructure/bus/in-process';
import type { Bus } from '../infrastructure/bus/port';
import { createStreamingNode, type StreamingNode } from '../streaming/node/streaming-node';
import { connectSocketIoClient, connectWsClient, eventually, expectConnected, type TestClient } from './support/streaming-clients';

const SECRET = 'streaming-test-secret';
/** Windows end only when a test says so. */
const NEVER_MS = 3_600_000;
const SHORT_TOKEN_TTL_S = 3;
const bytes = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));
const quote = (symbol: string, bid: string) => bytes({ symbol, bid, ask: '2.00', last: bid, volume: 10, ts: 1 });

describe('streaming node (in-process bus)', () => {
  let bus: Bus;
  let node: StreamingNode;
  let port: number;
  const clients: TestClient[] = [];

  const start = async (overrides: Partial<Parameters<typeof createStreamingNode>[0]> = {}) => {
    bus = createInProcessBus();
    node = createStreamingNode({ bus, jwtSecret: SECRET, logger: pino({ level: 'silent' }), conflationWindowMs: NEVER_MS, admissionsPerSecond: 1_000, ...overrides });
    port = await node.listen();
  };
  const socketIo = async (accountId: string) => {
    const { client } = expectConnected(await connectSocketIoClient(port, signAccessToken({ accountId }, SECRET)));
    clients.push(client);
    return client;
  };
  const plainWs = async (accountId: string) => {
    const { client } = expectConnected(await connectWsClient(port, { header: `Bearer ${signAccessToken({ accountId }, SECRET)}` }));
    clients.push(client);
    return client;
  };
  /** Publishes, lets the bus deliver, ends the window. */
  const publishAndFlush = async (messages: [string, Uint8Array][]) => {
    for (const [subject, data] of messages) bus.publish(subject, data);
    await bus.flush();
    node.flushWindow();
  };

  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await node.close();
    await bus.close();
  });

  describe('auth', () => {
    beforeEach(() => start());

    it('refuses a Socket.IO handshake without a token and with a bad one, accepts a good one', async () => {
      expect(await connectSocketIoClient(port, undefined)).toEqual({ refused: expect.objectContaining({ message: 'AUTH_REQUIRED' }) });
      expect(await connectSocketIoClient(port, signAccessToken({ accountId: 'a1' }, 'another-secret'))).toEqual({ refused: expect.objectContaining({ message: 'AUTH_INVALID' }) });
      expect(await connectSocketIoClient(port, 'not.a.jwt')).toEqual({ refused: expect.objectContaining({ message: 'AUTH_INVALID' }) });
      await socketIo('a1');
      expect(node.stats().connections).toBe(1);
    });

    it('refuses a plain WebSocket upgrade with 401 without a token and with a bad one, accepts header or query token', async () => {
      expect(await connectWsClient(port, {})).toEqual(expect.objectContaining({ refusedStatus: 401, body: expect.stringContaining('AUTH_REQUIRED') }));
      expect(await connectWsClient(port, { header: `Bearer ${signAccessToken({ accountId: 'a1' }, 'another-secret')}` })).toEqual(expect.objectContaining({ refusedStatus: 401, body: expect.stringContaining('AUTH_INVALID') }));
      expectConnected(await connectWsClient(port, { header: `Bearer ${signAccessToken({ accountId: 'a1' }, SECRET)}` })).client.close();
      const viaQuery = expectConnected(await connectWsClient(port, { query: signAccessToken({ accountId: 'a2' }, SECRET) }));
      clients.push(viaQuery.client);
      await eventually(() => node.stats().connections === 1, 'one connection left');
    });
  });

  describe('token expiry', () => {
    beforeEach(() => start());

    it('tells each protocol\'s client its token expired and closes it, while a fresh token keeps streaming', async () => {
      // Expiry counts whole seconds: signed at the start of a second, a token lives its whole seconds, not 1 ms less.
      // Three of them, not one: both clients must finish connecting before it expires, and on a slow CI box that
      // stalls for 600 ms two handshakes could take longer than a second.
      await new Promise((resolve) => setTimeout(resolve, 1_000 - (Date.now() % 1_000)));
      const shortLived = signAccessToken({ accountId: 'a1' }, SECRET, SHORT_TOKEN_TTL_S);
      const sio = expectConnected(await connectSocketIoClient(port, shortLived)).client;
      const ws = expectConnected(await connectWsClient(port, { query: shortLived })).client;
      const fresh = await socketIo('a2');
      clients.push(sio, ws);
      expect(node.stats().connections).toBe(3);
      await eventually(() => node.stats().connections === 1, 'the expired connections to close');
      for (const client of [sio, ws]) expect(client.control).toContainEqual(expect.objectContaining({ action: 'error', code: 'TOKEN_EXPIRED' }));
      expect(fresh.control).not.toContainEqual(expect.objectContaining({ code: 'TOKEN_EXPIRED' }));
    });
  });

  describe('subscriptions and conflation', () => {
    beforeEach(() => start());

    it('delivers only the latest value per symbol within a window, to both protocols, and only watched symbols', async () => {
      const sio = await socketIo('a1');
      const ws = await plainWs('a2');
      expect(await sio.request({ action: 'subscribe', channel: 'quotes', symbols: ['AAPL', 'MSFT'] })).toEqual({ action: 'subscribed', channel: 'quotes', symbols: ['AAPL', 'MSFT'] });
      await ws.request({ action: 'subscribe', channel: 'quotes', symbols: ['AAPL'] });
      await publishAndFlush([['md.quote.AAPL', quote('AAPL', '1.01')], ['md.quote.MSFT', quote('MSFT', '5.00')], ['md.quote.AAPL', quote('AAPL', '1.02')], ['md.quote.TSLA', quote('TSLA', '9.00')], ['md.quote.AAPL', quote('AAPL', '1.03')]]);
      await eventually(() => sio.market.length >= 2 && ws.market.length >= 1, 'first window');
      expect(sio.market).toEqual([
        { channel: 'quotes', symbol: 'AAPL', bid: '1.03', ask: '2.00', last: '1.03', volume: 10, ts: 1 },
        expect.objectContaining({ channel: 'quotes', symbol: 'MSFT', bid: '5.00' }),
      ]);
      expect(ws.market).toEqual([expect.objectContaining({ symbol: 'AAPL', bid: '1.03' })]);
      expect(node.fanOut.busSubjects().sort()).toEqual(['md.halt.AAPL', 'md.halt.MSFT', 'md.quote.AAPL', 'md.quote.MSFT']);

      // A window with no tick for a symbol sends nothing for it; the next tick is sent in the next window.
      await publishAndFlush([['md.quote.MSFT', quote('MSFT', '5.01')]]);
      await eventually(() => sio.market.length >= 3, 'second window');
      expect(sio.market[2]).toEqual(expect.objectContaining({ symbol: 'MSFT', bid: '5.01' }));
      expect(ws.market).toHaveLength(1);
      expect(node.stats().messagesDelivered).toBe(4);
    });

    it('subscribes on the bus once per subject and drops it when the last watcher leaves', async () => {
      const first = await socketIo('a1');
      const second = await plainWs('a2');
      await first.request({ action: 'subscribe', channel: 'trades', symbols: ['AAPL'] });
      await second.request({ action: 'subscribe', channel: 'trades', symbols: ['AAPL'] });
      expect(node.stats()).toEqual(expect.objectContaining({ busSubscriptions: 1, subscriptions: 2 }));
      await first.request({ action: 'unsubscribe', channel: 'trades', symbols: ['AAPL'] });
      expect(node.stats()).toEqual(expect.objectContaining({ busSubscriptions: 1, subscriptions: 1 }));
      second.close();
      await eventually(() => node.stats().connections === 1, 'second client gone');
      expect(node.stats()).toEqual(expect.objectContaining({ busSubscriptions: 0, subscriptions: 0 }));
      expect(node.fanOut.busSubjects()).toEqual([]);
    });

    it('reports health and Prometheus metrics', async () => {
      const client = await socketIo('a1');
      await client.request({ action: 'subscribe', channel: 'quotes', symbols: ['AAPL'] });
      await publishAndFlush([['md.quote.AAPL', quote('AAPL', '1.00')]]);
      await eventually(() => client.market.length === 1, 'one tick');
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(await health.json()).toEqual({ status: 'ok', connections: 1 });
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metrics).toMatch(/^streaming_connections 1$/m);
      expect(metrics).toMatch(/^streaming_subscriptions 2$/m);
      expect(metrics).toMatch(/^streaming_messages_delivered_total 1$/m);
      expect(metrics).toMatch(/^streaming_messages_dropped_total 0$/m);
    });

    it('answers a malformed request with an error code', async () => {
      const client = await plainWs('a1');
      expect(await client.request({ action: 'subscribe', channel: 'quotes', symbols: ['md.>'] })).toEqual(expect.objectContaining({ action: 'error', code: 'INVALID_SYMBOL' }));
      expect(await client.request({ action: 'subscribe', channel: 'gossip', symbols: ['AAPL'] })).toEqual(expect.objectContaining({ action: 'error', code: 'UNKNOWN_CHANNEL' }));
      expect(await client.request('nonsense')).toEqual(expect.objectContaining({ action: 'error', code: 'INVALID_MESSAGE' }));
    });
  });

  describe('order updates', () => {
    beforeEach(() => start());

    it("reaches only the authenticated account's sockets, whatever the client asks for", async () => {
      const aliceSio = await socketIo('alice');
      const aliceWs = await plainWs('alice');
      const bob = await socketIo('bob');
      await aliceSio.request({ action: 'subscribe', channel: 'orders' });
      await aliceWs.request({ action: 'subscribe', channel: 'orders', symbols: ['bob'] });
      await bob.request({ action: 'subscribe', channel: 'orders' });
      bus.publish('orders.alice', bytes({ order_id: 'ord_1', status: 'filled', avg_fill_price: '185.32' }));
      await bus.flush();
      await eventually(() => aliceSio.market.length === 1 && aliceWs.market.length === 1, 'alice update');
      expect(aliceSio.market).toEqual([{ channel: 'orders', order_id: 'ord_1', status: 'filled', avg_fill_price: '185.32' }]);
      expect(aliceWs.market).toEqual(aliceSio.market);
      expect(bob.market).toEqual([]);
    });
  });

  describe('admission control', () => {
    it('admits at most the rate per second and refuses the rest with a retry hint', async () => {
      let clockMs = 1_000_000;
      await start({ admissionsPerSecond: 2, nowMs: () => clockMs });
      await socketIo('a1');
      await plainWs('a2');
      const refusedSio = await connectSocketIoClient(port, signAccessToken({ accountId: 'a3' }, SECRET));
      expect(refusedSio).toEqual({ refused: { message: 'ADMISSION_REFUSED', data: { code: 'ADMISSION_REFUSED', retry_after_ms: 500 } } });
      const refusedWs = await connectWsClient(port, { query: signAccessToken({ accountId: 'a4' }, SECRET) });
      expect(refusedWs).toEqual(expect.objectContaining({ refusedStatus: 503, retryAfter: '1', body: expect.stringContaining('ADMISSION_REFUSED') }));
      clockMs += 500;
      await socketIo('a3');
      expect(node.stats().connections).toBe(3);
    });
  });

  it('charges admission only after the token checks out: a storm of bad tokens leaves room for genuine clients', async () => {
    await start({ admissionsPerSecond: 2, nowMs: () => 1_000_000 });
    for (let attempt = 0; attempt < 10; attempt += 1) {
      const forged = await connectWsClient(port, { query: `${signAccessToken({ accountId: 'x' }, SECRET)}tampered` });
      expect(forged).toEqual(expect.objectContaining({ refusedStatus: 401 }));
    }
    await socketIo('genuine-1');
    await plainWs('genuine-2');
    expect(node.stats().connections).toBe(2);
  });

  describe('drain', () => {
    it('tells every client to reconnect after a random delay, then closes them and refuses newcomers', async () => {
      await start({ random: () => 0.5 });
      const sio = await socketIo('a1');
      const wsOutcome = expectConnected(await connectWsClient(port, { query: signAccessToken({ accountId: 'a2' }, SECRET) }));
      clients.push(wsOutcome.client);
      const draining = node.drain();
      await eventually(() => sio.control.length > 0 && wsOutcome.client.control.length > 0, 'reconnect notices');
      expect(sio.control).toEqual([{ action: 'reconnect', delay_ms: 15_000 }]);
      expect(wsOutcome.client.control).toEqual([{ action: 'reconnect', delay_ms: 15_000 }]);
      expect(await connectWsClient(port, { query: signAccessToken({ accountId: 'a3' }, SECRET) })).toEqual(expect.objectContaining({ refusedStatus: 503, body: expect.stringContaining('DRAINING') }));
      await draining;
      expect(await wsOutcome.closed).toBe(1001);
      await eventually(() => node.stats().connections === 0, 'all clients closed');
    });
  });

  describe('slow clients', () => {
    it('drops ticks for a client that stops reading instead of buffering them', async () => {
      const bufferedBytesMax = 64 * 1024;
      await start({ wsBufferedBytesMax: bufferedBytesMax });
      const slow = expectConnected(await connectWsClient(port, { query: signAccessToken({ accountId: 'slow' }, SECRET) }));
      clients.push(slow.client);
      const symbols = Array.from({ length: 20 }, (_, i) => `S${i}`);
      await slow.client.request({ action: 'subscribe', channel: 'book', symbols });
      // The client stops reading: the kernel buffers fill, then the node's.
      (slow.socket as unknown as { _socket: { pause(): void } })._socket.pause();
      const serverSide = [...node.fanOut.connections()][0]!;
      const bufferedNow = () => serverSide.sink.bufferedBytes();
      const padding = 'x'.repeat(16 * 1024);
      const WINDOWS_MAX = 2_000;
      let maxBufferedSeen = 0;
      for (let window = 0; window < WINDOWS_MAX && node.stats().messagesDropped === 0; window += 1) {
        await publishAndFlush(symbols.map((symbol) => [`md.book.${symbol}`, bytes({ symbol, levels: padding, window })]));
        maxBufferedSeen = Math.max(maxBufferedSeen, bufferedNow());
      }
      const droppedBefore = node.stats().messagesDropped;
      expect(droppedBefore).toBeGreaterThan(0);
      // More windows only add drops: the node's buffer stays within the bound plus the one frame that crossed it.
      for (let window = 0; window < 20; window += 1) {
        await publishAndFlush(symbols.map((symbol) => [`md.book.${symbol}`, bytes({ symbol, levels: padding, window })]));
        maxBufferedSeen = Math.max(maxBufferedSeen, bufferedNow());
      }
      expect(node.stats().messagesDropped).toBe(droppedBefore + 20 * symbols.length);
      const frameBytesMax = symbols.length * (padding.length + 200);
      expect(maxBufferedSeen).toBeLessThanOrEqual(bufferedBytesMax + frameBytesMax);
    });

    it('gives a client that stopped reading, once it reads again, the quiet symbol that ticked meanwhile and every order update', async () => {
      const bufferedBytesMax = 64 * 1024;
      await start({ wsBufferedBytesMax: bufferedBytesMax });
      const slow = expectConnected(await connectWsClient(port, { query: signAccessToken({ accountId: 'slow' }, SECRET) }));
      clients.push(slow.client);
      const symbols = Array.from({ length: 20 }, (_, i) => `S${i}`);
      await slow.client.request({ action: 'subscribe', channel: 'book', symbols });
      await slow.client.request({ action: 'subscribe', channel: 'quotes', symbols: ['QUIET'] });
      await slow.client.request({ action: 'subscribe', channel: 'orders' });
      const tcp = (slow.socket as unknown as { _socket: { pause(): void; resume(): void } })._socket;
      tcp.pause();
      const serverSide = [...node.fanOut.connections()][0]!;
      const padding = 'x'.repeat(16 * 1024);
      const WINDOWS_MAX = 2_000;
      for (let window = 0; window < WINDOWS_MAX && !serverSide.sink.isBacklogged(); window += 1) {
        await publishAndFlush(symbols.map((symbol) => [`md.book.${symbol}`, bytes({ symbol, levels: padding, window })]));
      }
      expect(serverSide.sink.isBacklogged()).toBe(true);
      // While it cannot take writes: one quote on a symbol that then goes quiet, and two order updates.
      await publishAndFlush([['md.quote.QUIET', quote('QUIET', '7.00')]]);
      bus.publish('orders.slow', bytes({ order_id: 'ord_1', status: 'partially_filled' }));
      bus.publish('orders.slow', bytes({ order_id: 'ord_1', status: 'filled' }));
      await bus.flush();
      for (let window = 0; window < 5; window += 1) {
        await publishAndFlush(symbols.map((symbol) => [`md.book.${symbol}`, bytes({ symbol, levels: padding, window: `late${window}` })]));
      }
      // What the node keeps for it: one message per topic it watches, the order updates, no new frames.
      expect(serverSide.owed.size).toBeLessThanOrEqual(serverSide.topics.size);
      expect(serverSide.orderUpdates).toHaveLength(2);
      expect(node.stats()).toEqual(expect.objectContaining({ connectionsBehind: 1, orderUpdatesDropped: 0 }));
      expect(serverSide.sink.bufferedBytes()).toBeLessThanOrEqual(bufferedBytesMax + symbols.length * (padding.length + 200));
      tcp.resume();
      // No new tick for QUIET: only the windows end, until the node sees the socket writable again.
      await eventually(() => {
        node.flushWindow();
        return slow.client.market.some((m) => m.channel === 'quotes') && slow.client.market.filter((m) => m.channel === 'orders').length === 2;
      }, 'the missed quote and order updates');
      expect(slow.client.market.filter((m) => m.channel === 'quotes')).toEqual([{ channel: 'quotes', symbol: 'QUIET', bid: '7.00', ask: '2.00', last: '7.00', volume: 10, ts: 1 }]);
      expect(slow.client.market.filter((m) => m.channel === 'orders').map((m) => m.status)).toEqual(['partially_filled', 'filled']);
      // Each book symbol's last message is the newest one published.
      await eventually(() => {
        node.flushWindow();
        return symbols.every((symbol) => slow.client.market.filter((m) => m.symbol === symbol).at(-1)?.window === 'late4');
      }, 'the newest book of every symbol');
      expect(node.stats().connectionsBehind).toBe(0);
    });

    it('drops ticks for a Socket.IO client that stops reading, holding at most the one frame in flight', async () => {
      await start();
      const slow = expectConnected(await connectSocketIoClient(port, signAccessToken({ accountId: 'slow' }, SECRET)));
      clients.push(slow.client);
      const symbols = Array.from({ length: 20 }, (_, i) => `S${i}`);
      await slow.client.request({ action: 'subscribe', channel: 'book', symbols });
      // socket.io-client → engine.io-client → ws → net.Socket: stop reading at the bottom.
      (slow.socket.io.engine.transport as unknown as { ws: { _socket: { pause(): void } } }).ws._socket.pause();
      const serverSide = [...node.fanOut.connections()][0]!;
      const padding = 'x'.repeat(16 * 1024);
      const frameBytesMax = symbols.length * (padding.length + 200);
      const WINDOWS_MAX = 2_000;
      let maxBufferedSeen = 0;
      for (let window = 0; window < WINDOWS_MAX && node.stats().messagesDropped < 20 * symbols.length; window += 1) {
        await publishAndFlush(symbols.map((symbol) => [`md.book.${symbol}`, bytes({ symbol, levels: padding, window })]));
        maxBufferedSeen = Math.max(maxBufferedSeen, serverSide.sink.bufferedBytes());
      }
      expect(node.stats().messagesDropped).toBeGreaterThanOrEqual(20 * symbols.length);
      expect(maxBufferedSeen).toBeLessThanOrEqual(frameBytesMax);
    });
  });

  describe('heartbeat', () => {
    it('reaches every client of either protocol, interval after interval', async () => {
      const intervalMs = 900;
      await start({ heartbeatIntervalMs: intervalMs });
      const watchers = [await plainWs('h1'), await plainWs('h2'), await plainWs('h3'), await socketIo('h4')];
      const heartbeats = (client: TestClient) => client.control.filter((m) => m.channel === 'heartbeat');
      await eventually(() => watchers.every((client) => heartbeats(client).length >= 2), 'two heartbeats at every client');
      for (const client of watchers) expect(typeof heartbeats(client)[0]!.ts).toBe('string');
    });
  });
});
