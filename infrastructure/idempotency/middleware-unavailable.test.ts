import { Router } from 'express';
import Redis from 'ioredis';
import { createHttpApp } from '../http/server';
import { createLogger } from '../logging';
import { createMetrics } from '../metrics';
import { fingerprintKeyFrom } from './fingerprint';
import { idempotency } from './middleware';
import { createRedisIdempotencyStore } from './redis-store';
import { PLATFORM_ERROR_STATUSES } from '../http/errors';

it('answers 503 SERVICE_UNAVAILABLE with Retry-After, and runs nothing, when the idempotency store is down', async () => {
  const dead = new Redis('redis://127.0.0.1:1', { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
  dead.on('error', () => undefined);
  let runs = 0;
  const logger = createLogger({ level: 'silent' });
  const router = Router();
  router.post('/thing', idempotency({ store: createRedisIdempotencyStore(dead, { keyPrefix: 'x:' }), scope: () => 'test', logger, fingerprintKey: fingerprintKeyFrom('test-secret') }), (_req, res) => {
    runs += 1;
    res.status(201).json({});
  });
  const http = createHttpApp({ logger, routers: [router], openApiDocument: {}, errorStatuses: PLATFORM_ERROR_STATUSES, metrics: createMetrics() });
  try {
    const port = await http.start(0);
    const reply = await fetch(`http://127.0.0.1:${port}/thing`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Idempotency-Key': 'k' }, body: '{}' });
    expect(reply.status).toBe(503);
    expect(reply.headers.get('retry-after')).toBe('1');
    expect(((await reply.json()) as { error: { code: string } }).error.code).toBe('SERVICE_UNAVAILABLE');
    expect(runs).toBe(0);
  } finally {
    await http.stop();
    dead.disconnect();
  }
});
