import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import express from 'express';
import { createInMemoryCandleStore } from '../infrastructure/market/candle-store-in-memory';
import { createInMemoryMarketData } from '../infrastructure/market/in-memory';
import { CANDLES_PER_REQUEST_MAX, createMarketRouter } from '../read-api/market/route';
import { ERROR_STATUSES } from '../app/error-statuses';
import { useErrorStatuses } from '../infrastructure/http/errors';

const T0 = Date.UTC(2026, 10, 25, 15);
const KNOWN = new Set(['AAPL', 'MSFT', 'BRK.B']);

describe('market REST routes (real HTTP server)', () => {
  const market = createInMemoryMarketData();
  const candles = createInMemoryCandleStore();
  let server: Server;
  let base: string;
  const get = async (path: string) => {
    const response = await fetch(`${base}${path}`);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    await market.writeBatch([
      { kind: 'quote', symbol: 'AAPL', json: JSON.stringify({ symbol: 'AAPL', bid: '187.42', ask: '187.44', bid_size: 300, ask_size: 200, last: '187.43', volume: 125, ts: '2026-11-25T15:00:00.000Z' }) },
      { kind: 'book', symbol: 'AAPL', json: JSON.stringify({ symbol: 'AAPL', bids: [{ price: '187.42', size: 300 }], asks: [{ price: '187.44', size: 200 }], ts: '2026-11-25T15:00:00.000Z' }) },
    ]);
    await candles.upsertDeltas([0, 1, 2].map((i) => ({ symbol: 'AAPL', interval: '1m' as const, bucketStartMs: T0 + i * 60_000, openTicks: 1_874_200, highTicks: 1_874_500 + i, lowTicks: 1_874_000, closeTicks: 1_874_250, volume: 10 + i, tradeCount: 2 })));
    const app = express();
    useErrorStatuses(app, ERROR_STATUSES);
    app.use(createMarketRouter({ reader: market, candles, isKnownSymbol: (s) => KNOWN.has(s), nowMs: () => T0 + 10 * 60_000 }));
    server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('answers quotes for known symbols and lists those without a quote yet', async () => {
    const { status, body } = await get('/v1/market/quotes?symbols=aapl,MSFT');
    expect(status).toBe(200);
    expect(body).toEqual({ quotes: [expect.objectContaining({ symbol: 'AAPL', bid: '187.42', ask: '187.44', last: '187.43' })], missing: ['MSFT'] });
  });

  it('refuses bad quote requests with stable codes and the field', async () => {
    expect(await get('/v1/market/quotes')).toEqual({ status: 400, body: { error: expect.objectContaining({ code: 'VALIDATION_FAILED', field: 'symbols' }) } });
    expect(await get('/v1/market/quotes?symbols=AAPL,$$$')).toEqual({ status: 400, body: { error: expect.objectContaining({ code: 'VALIDATION_FAILED', field: 'symbols' }) } });
    expect(await get('/v1/market/quotes?symbols=AAPL,NOPE')).toEqual({ status: 422, body: { error: expect.objectContaining({ code: 'UNKNOWN_SYMBOL', field: 'symbols' }) } });
    const tooMany = Array.from({ length: 101 }, (_, i) => `S${i}`).join(',');
    expect((await get(`/v1/market/quotes?symbols=${tooMany}`)).status).toBe(400);
  });

  it('serves candles in a range with decimal prices, defaulting to the latest buckets', async () => {
    const ranged = await get('/v1/market/candles/AAPL?interval=1m&from=2026-11-25T15:00:30Z&to=2026-11-25T15:02:00Z');
    expect(ranged.status).toBe(200);
    expect(ranged.body).toEqual({ symbol: 'AAPL', interval: '1m', candles: [
      { t: '2026-11-25T15:00:00.000Z', open: '187.42', high: '187.45', low: '187.40', close: '187.425', volume: 10, trades: 2 },
      { t: '2026-11-25T15:01:00.000Z', open: '187.42', high: '187.4501', low: '187.40', close: '187.425', volume: 11, trades: 2 },
    ] });
    const latest = await get('/v1/market/candles/AAPL');
    expect((latest.body.candles as unknown[]).length).toBe(3);
  });

  it('refuses bad candle requests field by field', async () => {
    const code = async (path: string) => {
      const { status, body } = await get(path);
      const error = body.error as { code: string; field?: string };
      return [status, error.code, error.field];
    };
    expect(await code('/v1/market/candles/AAPL?interval=2m')).toEqual([400, 'VALIDATION_FAILED', 'interval']);
    expect(await code('/v1/market/candles/AAPL?from=yesterday')).toEqual([400, 'VALIDATION_FAILED', 'from']);
    expect(await code('/v1/market/candles/AAPL?to=2026-13-45')).toEqual([400, 'VALIDATION_FAILED', 'to']);
    expect(await code('/v1/market/candles/AAPL?from=2026-11-25T16:00:00Z&to=2026-11-25T15:00:00Z')).toEqual([400, 'VALIDATION_FAILED', 'from']);
    const tooLongMs = (CANDLES_PER_REQUEST_MAX + 1) * 60_000;
    expect(await code(`/v1/market/candles/AAPL?interval=1m&from=${new Date(T0 - tooLongMs).toISOString()}&to=${new Date(T0).toISOString()}`)).toEqual([400, 'VALIDATION_FAILED', 'from']);
    expect(await code('/v1/market/candles/NOPE')).toEqual([404, 'UNKNOWN_SYMBOL', 'symbol']);
  });

  it('serves the top-5 book, 404 for an unknown symbol or one with no book yet', async () => {
    expect(await get('/v1/market/book/AAPL')).toEqual({ status: 200, body: expect.objectContaining({ bids: [{ price: '187.42', size: 300 }] }) });
    expect(await get('/v1/market/book/NOPE')).toEqual({ status: 404, body: { error: expect.objectContaining({ code: 'UNKNOWN_SYMBOL' }) } });
    expect(await get('/v1/market/book/MSFT')).toEqual({ status: 404, body: { error: expect.objectContaining({ code: 'NOT_FOUND' }) } });
  });
});
