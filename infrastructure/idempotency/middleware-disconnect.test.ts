import { Router } from 'express';
import { createHttpApp } from '../http/server';
import { createLogger } from '../logging';
import { createMetrics } from '../metrics';
import { createInMemoryIdempotencyStore } from './in-memory-store';
import { fingerprintKeyFrom } from './fingerprint';
import { idempotency } from './middleware';
import { PLATFORM_ERROR_STATUSES } from '../http/errors';

it('keeps a request in flight when its client hangs up, so the retry cannot run it twice', async () => {
  let release = () => {};
  const gate = new Promise<void>((resolve) => { release = resolve; });
  let entered = () => {};
  const reached = new Promise<void>((resolve) => { entered = resolve; });
  let runs = 0;
  const router = Router();
  const logger = createLogger({ level: 'silent' });
  router.post('/slow', idempotency({ store: createInMemoryIdempotencyStore(), scope: () => 'test', logger, fingerprintKey: fingerprintKeyFrom('test-secret') }), async (_req, res) => {
    runs += 1;
    entered();
    await gate;
    res.status(201).json({ run: runs });
  });
  const http = createHttpApp({ logger, routers: [router], openApiDocument: {}, errorStatuses: PLATFORM_ERROR_STATUSES, metrics: createMetrics() });
  const base = `http://127.0.0.1:${await http.start(0)}`;
  const post = (signal?: AbortSignal) => fetch(`${base}/slow`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', 'Idempotency-Key': 'k1' }, body: '{}', ...(signal ? { signal } : {}),
  });
  try {
    const hangUp = new AbortController();
    const first = post(hangUp.signal).catch(() => undefined);
    await reached;
    hangUp.abort();
    await first;
    const retry = await post();
    expect(retry.status).toBe(409);
    expect(((await retry.json()) as { error: { code: string } }).error.code).toBe('IDEMPOTENCY_REQUEST_IN_FLIGHT');
    release();
    let replay = await post();
    // The first run's answer completes the record just after the gate opens; poll (bounded) for it.
    for (let attempt = 0; attempt < 50 && replay.status === 409; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      replay = await post();
    }
    expect(replay.status).toBe(201);
    expect(await replay.json()).toEqual({ run: 1 });
    expect(runs).toBe(1);
  } finally {
    release();
    await http.stop();
  }
});
