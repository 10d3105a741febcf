import type { AddressInfo } from 'node:net';
import cors from 'cors';
import express, { type RequestHandler } from 'express';
import helmet from 'helmet';
import { replayedHeaders } from './recorded-headers';

const corsOptions = { origin: ['https://app.example'], methods: ['GET', 'POST'], allowedHeaders: ['Authorization'], exposedHeaders: ['ETag', 'X-Correlation-Id'], maxAge: 600 };
const helmetOptions = { contentSecurityPolicy: { directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } } };
const noOriginGet = { method: 'GET', headers: {} };

/** An app running `middleware` then answering 200, on an ephemeral port. */
const serve = async (middleware: readonly RequestHandler[]) => {
  const app = express();
  app.disable('x-powered-by');
  for (const m of middleware) app.use(m);
  app.use((_req, res) => { res.json({ ok: true }); });
  const server = app.listen(0);
  await new Promise((resolve) => server.once('listening', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((resolve) => server.close(resolve)) };
};

describe('replayedHeaders', () => {
  it.each([
    ['a GET without an Origin', 'GET', {}],
    ['a GET from an allowed origin', 'GET', { origin: 'https://app.example' }],
    ['a GET from another origin', 'GET', { origin: 'https://evil.example' }],
    ['a preflight', 'OPTIONS', { origin: 'https://app.example', 'access-control-request-method': 'POST' }],
  ])('gives %s the headers helmet and cors give it', async (_what, method, headers) => {
    const direct = await serve([helmet(helmetOptions), cors(corsOptions)]);
    const replayed = await serve([
      replayedHeaders(helmet(helmetOptions), noOriginGet, () => true),
      replayedHeaders(cors(corsOptions), noOriginGet, (req) => req.headers.origin === undefined && req.method !== 'OPTIONS'),
    ]);
    try {
      const answer = async (url: string) => {
        const response = await fetch(url, { method, headers });
        return { status: response.status, headers: [...response.headers].filter(([name]) => name !== 'date') };
      };
      expect(await answer(replayed.url)).toEqual(await answer(direct.url));
    } finally {
      await direct.close();
      await replayed.close();
    }
  });

  it('refuses at start-up a middleware that does more than set headers', () => {
    const answers: RequestHandler = (_req, res) => { res.status(204).end(); };
    expect(() => replayedHeaders(answers, noOriginGet, () => true)).toThrow(/recordHeaders/);
  });
});
