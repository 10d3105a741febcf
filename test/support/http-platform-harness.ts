import Redis from 'ioredis';
import { Router } from 'express';
import * as E from 'fp-ts/Either';
import * as t from 'io-ts';
import { createUsersRouter } from '../../commands/users/router';
import { requireBearer } from '../../infrastructure/auth/bearer';
import { createInMemoryEventStore } from '../../infrastructure/event-store/in-memory';
import type { EventStore } from '../../infrastructure/event-store/port';
import { sendError } from '../../infrastructure/http/errors';
import { createHttpApp, type HttpApp } from '../../infrastructure/http/server';
import { closedObject, decodeBody, PRICE_DECIMAL, QUANTITY_DECIMAL } from '../../infrastructure/http/validation';
import { accountIdempotency } from '../../infrastructure/idempotency/account-scoped';
import { createRedisIdempotencyStore } from '../../infrastructure/idempotency/redis-store';
import { createLogger } from '../../infrastructure/logging';
import { createMetrics } from '../../infrastructure/metrics';
import { testKeyPrefix } from './pg-database';
import { createAssetsRouter } from '../../read-api/assets/route';
import { buildOpenApiDocument } from '../../app/openapi/document';
import { createThrottle } from '../../infrastructure/auth/throttle';
import { fingerprintKeyFrom } from '../../infrastructure/idempotency/fingerprint';
import { ERROR_STATUSES } from '../../app/error-statuses';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';
/** Sweeps this run's keys at the end; bounded so a wrong prefix can never loop for long. */
const SWEEP_ROUNDS_MAX = 100;

export type OpenedAccount = { accountId: string; email: string; atMs: number };

/** Routes that exist only in tests, to drive the platform's middleware through real HTTP. */
const probeRouter = (deps: { idem: ReturnType<typeof accountIdempotency>; auth: ReturnType<typeof requireBearer>; gate: { wait: Promise<void>; entered(): void }; failures: { left: number } }) => {
  const router = Router();
  let counter = 0;
  const Order = closedObject('ProbeOrder', { symbol: t.string, quantity: QUANTITY_DECIMAL }, { limit_price: PRICE_DECIMAL });
  router.post('/test/orders', deps.auth, deps.idem, (req, res) => {
    const body = decodeBody(Order, req.body);
    if (E.isLeft(body)) { sendError(res, body.left); return; }
    counter += 1;
    res.status(201).setHeader('ETag', `"v${counter}"`).json({ n: counter, account: res.locals.accountId, key: res.locals.idempotencyKey, ...body.right });
  });
  router.post('/test/slow', deps.auth, deps.idem, async (_req, res) => {
    await deps.gate.wait;
    res.status(201).json({ done: true });
  });
  router.post('/test/flaky', deps.auth, deps.idem, (_req, res) => {
    if (deps.failures.left > 0) { deps.failures.left -= 1; sendError(res, { code: 'SYS_CONCURRENCY_RETRIES_EXHAUSTED', message: 'try again' }); return; }
    res.status(201).json({ ok: true });
  });
  router.get('/test/boom', () => { throw new Error('kaboom with secret detail'); });
  router.get('/test/slow-read', async (_req, res) => { deps.gate.entered(); await deps.gate.wait; res.json({ finished: true }); });
  return router;
};

export type Harness = {
  readonly baseUrl: string;
  readonly http: HttpApp;
  readonly opened: OpenedAccount[];
  readonly store: EventStore;
  readonly redis: Redis;
  readonly prefix: string;
  readonly gate: { wait: Promise<void>; open(): void; entered(): void; readonly reached: Promise<void> };
  readonly failures: { left: number };
  readonly logLines: string[];
  readonly metrics: ReturnType<typeof createMetrics>;
  close(): Promise<void>;
};

export const startHarness = async (label: string, options: { withProbes?: boolean; ready?: () => boolean } = {}): Promise<Harness> => {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const prefix = testKeyPrefix(label);
  const idempotencyStore = createRedisIdempotencyStore(redis, { keyPrefix: prefix });
  const store = createInMemoryEventStore();
  const logLines: string[] = [];
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => { logLines.push(line); } } });
  const metrics = createMetrics();
  const opened: OpenedAccount[] = [];
  let release = () => {};
  let arrive = () => {};
  const reached = new Promise<void>((resolve) => { arrive = resolve; });
  const gate = { wait: new Promise<void>((resolve) => { release = resolve; }), open: () => release(), entered: () => arrive(), reached };
  const failures = { left: 0 };
  const auth = requireBearer(JWT_SECRET);
  const idem = accountIdempotency({ store: idempotencyStore, logger, metrics, fingerprintKey: fingerprintKeyFrom(JWT_SECRET) });
  const routers = [
    createUsersRouter({ store, idempotencyStore, jwtSecret: JWT_SECRET, logger, metrics, throttle: createThrottle({ settings: { signUpsPerIpMax: 1_000_000 } }), openAccount: async (accountId, email, atMs) => { opened.push({ accountId, email, atMs }); } }),
    createAssetsRouter(),
    ...(options.withProbes ? [probeRouter({ idem, auth, gate, failures })] : []),
  ];
  const http = createHttpApp({
    logger, metrics, routers, openApiDocument: buildOpenApiDocument(), errorStatuses: ERROR_STATUSES, jsonBodyBytesMax: 4_096, shutdownGraceMs: 5_000,
    readiness: async () => ({ ready: options.ready ? options.ready() : true, checks: { redis: redis.status } }),
    resources: [{ name: 'event-store', close: () => store.close() }],
  });
  const port = await http.start(0);
  return {
    baseUrl: `http://127.0.0.1:${port}`, http, opened, store, redis, prefix, gate, failures, logLines, metrics,
    async close() {
      gate.open();
      await http.stop();
      let cursor = '0';
      for (let round = 0; round < SWEEP_ROUNDS_MAX; round += 1) {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
        if (keys.length > 0) await redis.del(...keys);
        cursor = next;
        if (cursor === '0') break;
      }
      await redis.quit();
    },
  };
};

// Replies are read loosely on purpose: each assertion checks the shape it cares about.
export type Reply = { status: number; body: any; headers: Headers };

export const call = async (h: Harness, method: string, path: string, options: { body?: unknown; raw?: string; headers?: Record<string, string> } = {}): Promise<Reply> => {
  const headers: Record<string, string> = { ...(options.body !== undefined || options.raw !== undefined ? { 'content-type': 'application/json' } : {}), ...options.headers };
  const response = await fetch(`${h.baseUrl}${path}`, { method, headers, ...(options.raw !== undefined ? { body: options.raw } : options.body !== undefined ? { body: JSON.stringify(options.body) } : {}) });
  const text = await response.text();
  let body: unknown = text;
  try { body = JSON.parse(text); } catch { /* Prometheus text stays text. */ }
  return { status: response.status, body, headers: response.headers };
};

export const signUp = (h: Harness, email: string, key: string, extra: Record<string, unknown> = {}) =>
  call(h, 'POST', '/v1/accounts', { body: { email, password: 'correct horse battery', ...extra }, headers: { 'Idempotency-Key': key } });
