import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import * as E from 'fp-ts/Either';
import { createTradingApi } from '../../app/trading-api';
import { executeAccountCommand } from '../../commands/accounts/account-stream';
import type { AccountCommand } from '../../domain/account';
import { createPostgresEventStore } from '../../infrastructure/event-store/postgres';
import type { EventStore } from '../../infrastructure/event-store/port';
import type { HttpApp } from '../../infrastructure/http/server';
import { createRedisIdempotencyStore } from '../../infrastructure/idempotency/redis-store';
import { createLogger } from '../../infrastructure/logging';
import { createInMemoryCandleStore } from '../../infrastructure/market/candle-store-in-memory';
import { createPgCandleStore, ensureCandleSchema } from '../../infrastructure/market/candle-store-pg';
import type { CandleStore } from '../../infrastructure/market/port';
import { createInMemoryMarketData } from '../../infrastructure/market/in-memory';
import { createMetrics } from '../../infrastructure/metrics';
import { createTestDatabase, testKeyPrefix, type TestDatabase } from './pg-database';
import { createThrottle, type ThrottleSettings } from '../../infrastructure/auth/throttle';
import { createRedisSessionStore } from '../../infrastructure/sessions/redis-store';
import { Pool } from 'pg';
import { sqlDatabaseFromPool, type SqlDatabase } from '../../infrastructure/pg/sql-client';
import { createProjections } from '../../projections/all';
import type { BuyingPowerStore } from '../../infrastructure/buying-power/port';
import { createRedisBuyingPowerStore } from '../../infrastructure/buying-power/redis';
import { startProjectionRunner, type ProjectionRunner } from '../../projections/runner/runner';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const TRADING_JWT_SECRET = 'trading-test-secret-long-enough-for-hs256-0123456789';
const JWT_SECRET = TRADING_JWT_SECRET;
/** Bounded sweep of this run's Redis keys. */
const SWEEP_ROUNDS_MAX = 200;

export type Reply = { status: number; body: any; headers: Headers };

/** The whole trading API on a real server: PostgreSQL event store on a fresh database, idempotency in the real Redis. */
export type TradingHarness = {
  readonly baseUrl: string;
  /** The harness's own PostgreSQL database (event store and read models). */
  readonly databaseUrl: string;
  readonly store: EventStore;
  readonly redis: Redis;
  readonly prefix: string;
  readonly market: ReturnType<typeof createInMemoryMarketData>;
  readonly candles: CandleStore;
  readonly clock: { nowMs: number };
  /** With `readModels`: the projections' database and their runner. */
  readonly readDb?: SqlDatabase;
  readonly runner?: ProjectionRunner;
  readonly buyingPower?: BuyingPowerStore;
  request(method: string, path: string, options?: { token?: string; key?: string; body?: unknown; headers?: Record<string, string> }): Promise<Reply>;
  /** Signs up a fresh user and returns its account id and token. */
  signUp(): Promise<{ accountId: string; token: string }>;
  /** A system job's command on an account (ACH settlement, fills): what the API does not expose. */
  system(accountId: string, command: AccountCommand): Promise<bigint>;
  /** Signs up, deposits `amount` and settles it, so all of it is settled cash. */
  fundedAccount(amount: string): Promise<{ accountId: string; token: string }>;
  flushIdempotency(): Promise<void>;
  close(): Promise<void>;
};

/** Tests sign up hundreds of users from one address; the throttle tests set their own limits. */
export const GENEROUS_SIGN_UPS = { signUpsPerIpMax: 1_000_000 } as const;

export type HarnessOptions = {
  readonly throttle?: Partial<ThrottleSettings>;
  readonly trustedProxies?: readonly string[];
  readonly corsOrigins?: readonly string[];
  /** Run the projections in this database and serve the query routes from them. */
  readonly readModels?: boolean;
  /** Candles in the harness's PostgreSQL database (the in-memory store otherwise). */
  readonly pgCandles?: boolean;
  /** With `readModels`: run the buying power model in Redis (under the harness's key prefix) and pre-check orders with it. */
  readonly buyingPower?: boolean;
  /** How long a read with X-Consistency-Position waits at most. */
  readonly consistencyWaitMsMax?: number;
};

export const startTradingHarness = async (label: string, options: HarnessOptions = {}): Promise<TradingHarness> => {
  const database: TestDatabase = await createTestDatabase(label);
  const store = await createPostgresEventStore({ connectionString: database.url, poolSize: 4 });
  const readDb = options.readModels ? sqlDatabaseFromPool(new Pool({ connectionString: database.url, max: 4 }), true) : undefined;
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const prefix = testKeyPrefix(label);
  const buyingPower = readDb !== undefined && options.buyingPower ? createRedisBuyingPowerStore(redis, testKeyPrefix(`${label}_bp`)) : undefined;
  const runner = readDb === undefined ? undefined
    : await startProjectionRunner({ store, db: readDb, projections: createProjections(buyingPower ? { buyingPower } : {}), logger: createLogger({ level: 'silent' }), registry: createMetrics().registry });
  const market = createInMemoryMarketData();
  const candlePool = options.pgCandles ? new Pool({ connectionString: database.url, max: 2 }) : undefined;
  if (candlePool) await ensureCandleSchema(candlePool);
  const candles = candlePool ? createPgCandleStore(candlePool) : createInMemoryCandleStore();
  const clock = { nowMs: Date.UTC(2026, 10, 24, 15, 0, 0) };
  const api: HttpApp = createTradingApi({
    store, idempotencyStore: createRedisIdempotencyStore(redis, { keyPrefix: prefix }), jwtSecret: JWT_SECRET,
    logger: createLogger({ level: 'silent' }), metrics: createMetrics(), market: { reader: market, candles },
    nowMs: () => clock.nowMs,
    throttle: createThrottle({ redis, keyPrefix: `${prefix}throttle`, settings: { ...GENEROUS_SIGN_UPS, ...options.throttle } }),
    sessionStore: createRedisSessionStore(redis, { keyPrefix: `${prefix}session:` }),
    ...(options.trustedProxies ? { trustedProxies: options.trustedProxies } : {}),
    ...(options.corsOrigins ? { corsOrigins: options.corsOrigins } : {}),
    ...(readDb ? { readModels: { db: readDb, consistencyWaitMsMax: options.consistencyWaitMsMax ?? 5_000 } } : {}),
    ...(buyingPower ? { buyingPower } : {}),
  });
  const port = await api.start(0);
  const baseUrl = `http://127.0.0.1:${port}`;

  const request: TradingHarness['request'] = async (method, path, options = {}) => {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (options.token) headers.Authorization = `Bearer ${options.token}`;
    if (options.key) headers['Idempotency-Key'] = options.key;
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(`${baseUrl}${path}`, {
      method, headers, ...(options.body !== undefined ? { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, body: text.length > 0 && response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text, headers: response.headers };
  };

  const signUp = async () => {
    const reply = await request('POST', '/v1/accounts', { key: randomUUID(), body: { email: `${randomUUID()}@example.com`, password: 'correct horse battery' } });
    if (reply.status !== 201) throw new Error(`sign-up failed: ${reply.status} ${JSON.stringify(reply.body)}`);
    return { accountId: reply.body.account_id as string, token: reply.body.token as string };
  };

  const system = async (accountId: string, command: AccountCommand) => {
    const result = await executeAccountCommand(store, accountId, command, { eventIdSource: randomUUID(), metadata: { actor: 'system:test' } });
    if (E.isLeft(result)) throw new Error(`${command.type} refused: ${result.left.code} ${result.left.message}`);
    return result.right.position;
  };

  const fundedAccount = async (amount: string) => {
    const user = await signUp();
    const deposit = await request('POST', '/v1/transfers', { token: user.token, key: randomUUID(), body: { direction: 'deposit', amount } });
    if (deposit.status !== 201) throw new Error(`deposit failed: ${deposit.status} ${JSON.stringify(deposit.body)}`);
    await system(user.accountId, { type: 'SettleDeposit', data: { transferId: deposit.body.transfer_id, atMs: clock.nowMs } });
    return user;
  };

  const flushIdempotency = async () => {
    let cursor = '0';
    for (let round = 0; round < SWEEP_ROUNDS_MAX; round += 1) {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
      if (cursor === '0') return;
    }
  };

  return {
    baseUrl, databaseUrl: database.url, store, redis, prefix, market, candles, clock, request, signUp, system, fundedAccount, flushIdempotency,
    ...(readDb ? { readDb } : {}), ...(runner ? { runner } : {}), ...(buyingPower ? { buyingPower } : {}),
    close: async () => {
      await api.stop();
      await runner?.stop();
      await readDb?.close();
      await candlePool?.end();
      await store.close();
      await flushIdempotency();
      redis.disconnect();
      await database.drop();
    },
  };
};
