import type { AddressInfo } from 'node:net';
import { request } from 'node:http';
import express from 'express';
import { sendJson } from './send-json';

/** One raw HTTP exchange: status, headers and body bytes exactly as they came over the socket. */
const exchange = (port: number, method: string, path: string, headers: Record<string, string> = {}) =>
  new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
    const req = request({ port, method, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { body += chunk; });
      res.on('end', () => { const { date: _date, ...rest } = res.headers; resolve({ status: res.statusCode!, headers: rest, body }); });
    });
    req.on('error', reject);
    req.end();
  });

describe('sendJson', () => {
  const body = { equity: '100000.00', positions: [{ symbol: 'AAPL', note: 'ünïcödé “quotes”' }], as_of: '2026-11-29T12:00:00.000Z', n: 3, none: null };
  const big = { rows: Array.from({ length: 200 }, (_, i) => ({ i: String(i), é: 'x' })) };
  const app = express();
  app.set('etag', false);
  app.get('/express/:which', (req, res) => { res.json(req.params.which === 'big' ? big : body); });
  app.get('/direct/:which', (req, res) => { sendJson(req, res, req.params.which === 'big' ? big : body); });
  let server: ReturnType<typeof app.listen>;
  let port: number;
  beforeAll(async () => { server = app.listen(0); await new Promise((resolve) => server.once('listening', resolve)); port = (server.address() as AddressInfo).port; });
  afterAll(async () => { await new Promise((resolve) => server.close(resolve)); });

  it.each([
    ['a small body', 'GET', 'small', {}],
    ['a body over express\'s 1,000-character Buffer threshold', 'GET', 'big', {}],
    ['a HEAD', 'HEAD', 'small', {}],
    ['a conditional GET express answers 304', 'GET', 'small', { 'if-none-match': '*' }],
    ['a conditional GET by date', 'GET', 'small', { 'if-modified-since': 'Sun, 29 Nov 2026 12:00:00 GMT' }],
  ])('answers %s with res.json\'s status, headers and bytes', async (_what, method, which, headers) => {
    const viaExpress = await exchange(port, method, `/express/${which}`, headers);
    const direct = await exchange(port, method, `/direct/${which}`, headers);
    expect(direct).toEqual(viaExpress);
  });
});
