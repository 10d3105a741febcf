import { randomBytes, randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import pino from 'pino';
import { createTradingApi } from '../app/trading-api';
import { ORDER_UPDATE_EVENT_TYPES, orderUpdatesFrom } from '../projections/order-updates/order-update';
import { signAccessToken } from '../infrastructure/auth/jwt';
import { connectNatsBus } from '../infrastructure/bus/nats';
import { createPostgresEventStore } from '../infrastructure/event-store/postgres';
import { createInMemoryIdempotencyStore } from '../infrastructure/idempotency/in-memory-store';
import { createLogger } from '../infrastructure/logging';
import { createInMemoryCandleStore } from '../infrastructure/market/candle-store-in-memory';
import { createRedisMarketData } from '../infrastructure/market/redis';
import { SymbolTable } from '../streaming/market/symbol-table';
import { createMetrics } from '../infrastructure/metrics';
import { createTestDatabase } from './support/pg-database';
import { MarketIngest } from '../streaming/ingest/market-ingest';
import { createStreamingNode } from '../streaming/node/streaming-node';
import { connectSocketIoClient, eventually, expectConnected } from './support/streaming-clients';
import { publishOrderUpdates, subscribeFromHead } from '../projections/order-updates/publish';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const SECRET = 'plane-independence-secret-0123456789abcdef';
/** A port nothing listens on: the market data plane's Redis, "down". */
const DEAD_REDIS_URL = 'redis://127.0.0.1:1';

describe('the two planes fail independently', () => {
  it('keeps trading when market data (Redis) and the streaming plane (NATS, sockets) are down', async () => {
    const database = await createTestDatabase('independence_trading');
    const store = await createPostgresEventStore({ connectionString: database.url, poolSize: 2 });
    const deadRedis = new Redis(DEAD_REDIS_URL, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    deadRedis.on('error', () => undefined);
    // The order-update publisher's bus goes away mid-flight: nothing on the trading path waits for it.
    const bus = await connectNatsBus({ servers: NATS_URL, subjectPrefix: `test.${randomBytes(4).toString('hex')}.`, name: 'independence-trading' });
    const stopUpdates = new AbortController();
    const updates = publishOrderUpdates(await subscribeFromHead(store, { signal: stopUpdates.signal, filter: { eventTypes: ORDER_UPDATE_EVENT_TYPES } }), orderUpdatesFrom(store), bus);
    await bus.close();
    const api = createTradingApi({
      store, idempotencyStore: createInMemoryIdempotencyStore(), jwtSecret: SECRET, logger: createLogger({ level: 'silent' }), metrics: createMetrics(),
      market: { reader: createRedisMarketData(deadRedis, ''), candles: createInMemoryCandleStore() },
    });
    try {
      const base = `http://127.0.0.1:${await api.start(0)}`;
      const post = (path: string, token: string | undefined, body: unknown) => fetch(`${base}${path}`, {
        method: 'POST', headers: { 'Content-Type': 'application/json', 'Idempotency-Key': randomUUID(), ...(token ? { Authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body),
      });
      const signUp = await (await post('/v1/accounts', undefined, { email: `${randomUUID()}@example.com`, password: 'correct horse battery' })).json() as { token: string };
      expect((await post('/v1/transfers', signUp.token, { direction: 'deposit', amount: '1000.00' })).status).toBe(201);
      const order = await post('/v1/orders', signUp.token, { symbol: 'AAPL', side: 'buy', type: 'market', notional: '25.00' });
      expect(order.status).toBe(201);
      expect(await order.json()).toMatchObject({ status: 'pending_new', reserved_amount: '26.25' }); // the notional's shares plus the 5% market-buy collar
      // The market data read path answers plainly that it is unavailable, rather than hanging.
      const quotes = await fetch(`${base}/v1/market/quotes?symbols=AAPL`);
      expect(quotes.status).toBe(503);
    } finally {
      stopUpdates.abort();
      await updates.catch(() => 0);
      await api.stop();
      await store.close();
      deadRedis.disconnect();
      await database.drop();
    }
  });

  it('keeps quotes flowing to sockets when the event store is gone', async () => {
    const database = await createTestDatabase('independence_quotes');
    const store = await createPostgresEventStore({ connectionString: database.url, poolSize: 2 });
    const prefix = `test.${randomBytes(4).toString('hex')}.`;
    const [ingestBus, nodeBus] = await Promise.all([
      connectNatsBus({ servers: NATS_URL, subjectPrefix: prefix, name: 'independence-ingest' }),
      connectNatsBus({ servers: NATS_URL, subjectPrefix: prefix, name: 'independence-node' }),
    ]);
    const stopUpdates = new AbortController();
    const updates = publishOrderUpdates(await subscribeFromHead(store, { signal: stopUpdates.signal }), orderUpdatesFrom(store), nodeBus).catch(() => -1);
    const node = createStreamingNode({ bus: nodeBus, jwtSecret: SECRET, logger: pino({ level: 'silent' }) });
    const ingest = new MarketIngest(new SymbolTable(['AAPL']), ingestBus);
    try {
      // The trading plane's store goes down: its database is dropped under the running subscription.
      await store.close();
      await database.drop();
      const port = await node.listen();
      const client = expectConnected(await connectSocketIoClient(port, signAccessToken({ accountId: 'a1' }, SECRET))).client;
      await client.request({ action: 'subscribe', channel: 'quotes', symbols: ['AAPL'] });
      let bidTicks = 1_874_200;
      await eventually(() => {
        bidTicks += 100; // a new NBBO each round, so ingest publishes
        ingest.onQuote(0, 0, 0, bidTicks, bidTicks + 200, 100, 100, Date.now());
        node.flushWindow();
        return client.market.some((m) => m.channel === 'quotes' && m.symbol === 'AAPL');
      }, 'a quote through ingest, NATS and the node');
      expect(client.market.find((m) => m.channel === 'quotes')).toMatchObject({ symbol: 'AAPL', bid: expect.stringMatching(/^\d+\.\d{2,4}$/) });
      client.close();
    } finally {
      stopUpdates.abort();
      await updates;
      await node.close();
      await Promise.all([ingestBus.close(), nodeBus.close()]);
    }
  });
});
