import { Router } from 'express';
import { createHttpApp } from '../infrastructure/http/server';
import { createLogger } from '../infrastructure/logging';
import { createMetrics } from '../infrastructure/metrics';
import { call, startHarness } from './support/http-platform-harness';
import { ERROR_STATUSES } from '../app/error-statuses';

describe('graceful shutdown', () => {
  it('finishes a request in flight, refuses new connections, then closes resources', async () => {
    const h = await startHarness('http-shutdown', { withProbes: true });
    try {
      const inFlight = call(h, 'GET', '/test/slow-read');
      await h.gate.reached;
      const stopped = h.http.stop();
      await expect(fetch(`${h.baseUrl}/healthz`)).rejects.toThrow();
      h.gate.open();
      const reply = await inFlight;
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual({ finished: true });
      await stopped;
      expect(h.logLines.some((line) => line.includes('http server stopped'))).toBe(true);
    } finally {
      await h.close();
    }
  });
});

describe('bounded shutdown', () => {
  it('cuts a request that outlives the grace period instead of waiting forever', async () => {
    const router = Router();
    let entered = () => {};
    const reached = new Promise<void>((resolve) => { entered = resolve; });
    router.get('/stuck', () => { entered(); /* never answers */ });
    const closed: string[] = [];
    const http = createHttpApp({
      logger: createLogger({ level: 'silent' }), metrics: createMetrics(), routers: [router], openApiDocument: {}, errorStatuses: ERROR_STATUSES, shutdownGraceMs: 50,
      resources: [{ name: 'store', close: async () => { closed.push('store'); } }],
    });
    const port = await http.start(0);
    const stuck = fetch(`http://127.0.0.1:${port}/stuck`);
    await reached;
    await http.stop();
    await expect(stuck).rejects.toThrow();
    expect(closed).toEqual(['store']);
  });
});
