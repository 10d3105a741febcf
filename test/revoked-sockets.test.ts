import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { createTradingApi } from '../app/trading-api';
import { createThrottle } from '../infrastructure/auth/throttle';
import { createInProcessBus } from '../infrastructure/bus/in-process';
import { connectNatsBus } from '../infrastructure/bus/nats';
import type { Bus } from '../infrastructure/bus/port';
import { createPgliteEventStore, createPostgresEventStore } from '../infrastructure/event-store/postgres';
import type { HttpApp } from '../infrastructure/http/server';
import { createInMemoryIdempotencyStore } from '../infrastructure/idempotency/in-memory-store';
import { createRedisIdempotencyStore } from '../infrastructure/idempotency/redis-store';
import { createLogger } from '../infrastructure/logging';
import { createMetrics } from '../infrastructure/metrics';
import { createInMemorySessionStore } from '../infrastructure/sessions/in-memory-store';
import { createRedisSessionStore } from '../infrastructure/sessions/redis-store';
import { revocationNotifierOn } from '../infrastructure/sessions/revocation-notice';
import { createStreamingNode, WS_CLOSE_TOKEN_REVOKED, type StreamingNode } from '../streaming/node/streaming-node';
import { createTestDatabase, testKeyPrefix } from './support/pg-database';
import { connectSocketIoClient, connectWsClient, eventually, expectConnected, type TestClient } from './support/streaming-clients';
import { GENEROUS_SIGN_UPS, REDIS_URL, type Reply } from './support/trading-harness';

const JWT_SECRET = 'revoked-sockets-test-secret-long-enough-0123456789';
const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const PASSWORD = 'correct horse battery';

/** The trading API and a streaming node, wired as a run mode wires them: the API tells the node of revocations over `bus`. */
type Platform = { request(method: string, path: string, options?: { token?: string; body?: unknown }): Promise<Reply>; streamingPort: number; close(): Promise<void> };

const launch = async (parts: {
  store: Parameters<typeof createTradingApi>[0]['store'];
  idempotencyStore: Parameters<typeof createTradingApi>[0]['idempotencyStore'];
  sessionStore: Parameters<typeof createTradingApi>[0]['sessionStore'] & object;
  throttle: Parameters<typeof createTradingApi>[0]['throttle'] & object;
  apiBus: Bus;
  nodeBus: Bus;
  dispose(): Promise<void>;
}): Promise<Platform> => {
  const api: HttpApp = createTradingApi({
    store: parts.store, idempotencyStore: parts.idempotencyStore, jwtSecret: JWT_SECRET, logger: createLogger({ level: 'silent' }), metrics: createMetrics(),
    throttle: parts.throttle, sessionStore: parts.sessionStore, onRevoked: revocationNotifierOn(parts.apiBus),
  });
  const port = await api.start(0);
  const node: StreamingNode = createStreamingNode({ bus: parts.nodeBus, jwtSecret: JWT_SECRET, logger: createLogger({ level: 'silent' }), admissionsPerSecond: 1_000, revocations: parts.sessionStore });
  const streamingPort = await node.listen();
  // The node's subscription to revocations must reach the server before the first one is published.
  await parts.nodeBus.flush();
  return {
    streamingPort,
    request: async (method, path, options = {}) => {
      const response = await fetch(`http://127.0.0.1:${port}${path}`, {
        method,
        headers: {
          ...(options.token === undefined ? {} : { Authorization: `Bearer ${options.token}` }),
          ...(options.body === undefined ? {} : { 'Content-Type': 'application/json' }),
          ...(method === 'POST' && path === '/v1/accounts' ? { 'Idempotency-Key': randomUUID() } : {}),
        },
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      });
      const text = await response.text();
      return { status: response.status, body: text.length > 0 && response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text, headers: response.headers };
    },
    close: async () => {
      await node.close();
      await api.stop();
      await parts.dispose();
    },
  };
};

const embedded = async (): Promise<Platform> => {
  const store = await createPgliteEventStore({ onWorkerThread: true });
  const bus = createInProcessBus();
  return launch({
    store, idempotencyStore: createInMemoryIdempotencyStore(), sessionStore: createInMemorySessionStore(), throttle: createThrottle({ settings: GENEROUS_SIGN_UPS }),
    apiBus: bus, nodeBus: bus,
    dispose: async () => { await bus.close(); await store.close(); },
  });
};

/** Two NATS connections (the API process's and the node's), PostgreSQL events, Redis sessions and throttles. */
const distributed = async (): Promise<Platform> => {
  const database = await createTestDatabase('revoked-sockets');
  const store = await createPostgresEventStore({ connectionString: database.url, poolSize: 4 });
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const prefix = testKeyPrefix('revoked-sockets');
  const subjectPrefix = `test-${randomUUID().slice(0, 8)}.`;
  const apiBus = await connectNatsBus({ servers: NATS_URL, subjectPrefix, name: 'revoked-sockets-api' });
  const nodeBus = await connectNatsBus({ servers: NATS_URL, subjectPrefix, name: 'revoked-sockets-node' });
  return launch({
    store, idempotencyStore: createRedisIdempotencyStore(redis, { keyPrefix: prefix }),
    sessionStore: createRedisSessionStore(redis, { keyPrefix: `${prefix}session:` }),
    throttle: createThrottle({ redis, keyPrefix: `${prefix}throttle`, settings: GENEROUS_SIGN_UPS }),
    apiBus, nodeBus,
    dispose: async () => {
      await apiBus.close();
      await nodeBus.close();
      await store.close();
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
      await database.drop();
    },
  });
};

describe.each([['embedded (in-process bus)', embedded], ['distributed (NATS, Redis, PostgreSQL)', distributed]])('%s', (_mode, start) => {
  let platform: Platform;
  const clients: TestClient[] = [];
  beforeAll(async () => { platform = await start(); });
  afterAll(async () => {
    for (const client of clients) client.close();
    await platform.close();
  });

  const newUser = async () => {
    const email = `${randomUUID()}@example.com`;
    expect((await platform.request('POST', '/v1/accounts', { body: { email, password: PASSWORD } })).status).toBe(201);
    return email;
  };
  const logIn = async (email: string, password = PASSWORD) => {
    const reply = await platform.request('POST', '/v1/sessions', { body: { email, password } });
    expect(reply.status).toBe(200);
    return { token: reply.body.token as string, refreshToken: reply.body.refresh_token as string };
  };
  /** A Socket.IO and a plain WebSocket client on one token, with what each saw before it closed. */
  const socketsOf = async (token: string) => {
    const sio = expectConnected(await connectSocketIoClient(platform.streamingPort, token));
    const ws = expectConnected(await connectWsClient(platform.streamingPort, { query: token }));
    let sioClosed = false;
    sio.socket.on('disconnect', () => { sioClosed = true; });
    let wsCloseCode: number | undefined;
    void ws.closed.then((code) => { wsCloseCode = code; });
    clients.push(sio.client, ws.client);
    return {
      sio: sio.client, ws: ws.client,
      closed: () => sioClosed && wsCloseCode !== undefined,
      wsCloseCode: () => wsCloseCode,
    };
  };
  const toldRevoked = (client: TestClient) => client.control.some((m) => m.action === 'error' && m.code === 'TOKEN_REVOKED');
  const expectRevokedNow = async (sockets: Awaited<ReturnType<typeof socketsOf>>) => {
    await eventually(sockets.closed, 'the revoked session\'s sockets to close');
    expect(toldRevoked(sockets.sio)).toBe(true);
    expect(toldRevoked(sockets.ws)).toBe(true);
    expect(sockets.wsCloseCode()).toBe(WS_CLOSE_TOKEN_REVOKED);
  };
  const expectRefusedToConnect = async (token: string) => {
    const sio = await connectSocketIoClient(platform.streamingPort, token);
    expect('refused' in sio && sio.refused.data?.code).toBe('TOKEN_REVOKED');
    const ws = await connectWsClient(platform.streamingPort, { query: token });
    expect('refusedStatus' in ws && ws.refusedStatus).toBe(401);
    expect('refusedStatus' in ws && JSON.parse(ws.body).code).toBe('TOKEN_REVOKED');
  };

  it('log-out closes that session\'s sockets at once with TOKEN_REVOKED, and only that session\'s', async () => {
    const email = await newUser();
    const phone = await logIn(email);
    const laptop = await logIn(email);
    const phoneSockets = await socketsOf(phone.token);
    const laptopSockets = await socketsOf(laptop.token);

    expect((await platform.request('DELETE', '/v1/sessions/current', { token: phone.token })).status).toBe(204);
    await expectRevokedNow(phoneSockets);
    // The other session still streams: it answers a request after the phone's sockets closed.
    expect(await laptopSockets.ws.request({ action: 'subscribe', channel: 'orders' })).toMatchObject({ action: 'subscribed' });
    expect(laptopSockets.closed()).toBe(false);
    expect(toldRevoked(laptopSockets.sio) || toldRevoked(laptopSockets.ws)).toBe(false);
    await expectRefusedToConnect(phone.token);
  });

  it('a password change closes the sockets of every session of the account', async () => {
    const email = await newUser();
    const phone = await logIn(email);
    const laptop = await logIn(email);
    const phoneSockets = await socketsOf(phone.token);
    const laptopSockets = await socketsOf(laptop.token);
    const bystander = await socketsOf((await logIn(await newUser())).token);

    const changed = await platform.request('POST', '/v1/account/password', { token: phone.token, body: { current_password: PASSWORD, new_password: 'a brand new passphrase' } });
    expect(changed.status).toBe(204);
    await expectRevokedNow(phoneSockets);
    await expectRevokedNow(laptopSockets);
    expect(await bystander.sio.request({ action: 'subscribe', channel: 'orders' })).toMatchObject({ action: 'subscribed' });
    expect(bystander.closed()).toBe(false);
    await expectRefusedToConnect(laptop.token);
    const fresh = await logIn(email, 'a brand new passphrase');
    expect(expectConnected(await connectWsClient(platform.streamingPort, { query: fresh.token })).client).toBeDefined();
  });

  it('a reused refresh token closes the sockets of the session it belongs to', async () => {
    const email = await newUser();
    const session = await logIn(email);
    const rotated = await platform.request('POST', '/v1/sessions/refresh', { body: { refresh_token: session.refreshToken } });
    expect(rotated.status).toBe(200);
    const sockets = await socketsOf(rotated.body.token);

    const reuse = await platform.request('POST', '/v1/sessions/refresh', { body: { refresh_token: session.refreshToken } });
    expect(reuse.body.error.code).toBe('REFRESH_TOKEN_REUSED');
    await expectRevokedNow(sockets);
  });
});
