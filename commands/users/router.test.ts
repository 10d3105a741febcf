import { createInMemoryEventStore } from '../../infrastructure/event-store/in-memory';
import { createHttpApp } from '../../infrastructure/http/server';
import { createInMemoryIdempotencyStore } from '../../infrastructure/idempotency/in-memory-store';
import { createLogger } from '../../infrastructure/logging';
import { createMetrics } from '../../infrastructure/metrics';
import { verifyAccessToken } from '../../infrastructure/auth/jwt';
import { createUsersRouter } from './router';
import { ERROR_STATUSES } from '../../app/error-statuses';

const SECRET = 'embedded-mode-secret-0123456789-0123456789';

/** Embedded mode: in-memory event store and idempotency store, the same routes. */
describe('users router (embedded stores)', () => {
  it('answers 500 when opening the account fails, keeps nothing, and the retry opens it', async () => {
    let failOpen = true;
    const opened: string[] = [];
    const http = createHttpApp({
      logger: createLogger({ level: 'silent' }), metrics: createMetrics(), openApiDocument: {}, errorStatuses: ERROR_STATUSES,
      routers: [createUsersRouter({
        store: createInMemoryEventStore(), idempotencyStore: createInMemoryIdempotencyStore(), jwtSecret: SECRET, logger: createLogger({ level: 'silent' }),
        nowMs: () => Date.UTC(2026, 0, 2),
        openAccount: async (accountId) => { if (failOpen) { failOpen = false; throw new Error('account decider down'); } opened.push(accountId); },
      })],
    });
    const port = await http.start(0);
    try {
      const post = () => fetch(`http://127.0.0.1:${port}/v1/accounts`, {
        method: 'POST', headers: { 'content-type': 'application/json', 'X-Idempotency-Key': 'k1' },
        body: JSON.stringify({ email: 'embedded@example.com', password: 'long enough pass', first_name: 'Em', date_of_birth: '2008-01-02' }),
      });
      const failed = await post();
      expect(failed.status).toBe(500);
      const retried = await post();
      expect(retried.status).toBe(201);
      const body = await retried.json() as { account_id: string; token: string };
      expect(opened).toEqual([body.account_id]);
      expect(verifyAccessToken(body.token, SECRET)).toEqual({ accountId: body.account_id, sessionId: expect.any(String), issuedAtMs: expect.any(Number), expiresAtMs: expect.any(Number) });
    } finally {
      await http.stop();
    }
  });

  it('replays a sign-up with a token valid from now, not the first one, long expired', async () => {
    const http = createHttpApp({
      logger: createLogger({ level: 'silent' }), metrics: createMetrics(), openApiDocument: {}, errorStatuses: ERROR_STATUSES,
      routers: [createUsersRouter({
        store: createInMemoryEventStore(), idempotencyStore: createInMemoryIdempotencyStore(), jwtSecret: SECRET, logger: createLogger({ level: 'silent' }),
        openAccount: async () => undefined,
      })],
    });
    const port = await http.start(0);
    const realNow = Date.now.bind(Date);
    try {
      const post = async () => (await fetch(`http://127.0.0.1:${port}/v1/accounts`, {
        method: 'POST', headers: { 'content-type': 'application/json', 'Idempotency-Key': 'k-replay' },
        body: JSON.stringify({ email: 'replay@example.com', password: 'long enough pass' }),
      })).json() as Promise<{ account_id: string; token: string }>;
      const first = await post();
      // Twenty minutes later (the token lives fifteen), the client retries its sign-up.
      jest.spyOn(Date, 'now').mockImplementation(() => realNow() + 20 * 60_000);
      const replayed = await post();
      expect(replayed.account_id).toBe(first.account_id);
      expect(verifyAccessToken(first.token, SECRET)).toBeUndefined();
      expect(verifyAccessToken(replayed.token, SECRET)).toEqual({ accountId: first.account_id, sessionId: expect.any(String), issuedAtMs: expect.any(Number), expiresAtMs: expect.any(Number) });
    } finally {
      jest.restoreAllMocks();
      await http.stop();
    }
  });
});
