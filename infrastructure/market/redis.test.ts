import Redis from 'ioredis';
import { testKeyPrefix } from '../../test/support/pg-database';
import { createRedisMarketData, marketKeys } from './redis';
import type { Quote } from './quote';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const NOW_MS = Date.UTC(2026, 10, 25, 15);
const quote = (bid: string): Quote => ({ symbol: 'AAPL', bid, ask: '187.44', bid_size: 100, ask_size: 200, last: '187.43', volume: 1_000, ts: '2026-11-25T15:00:00.000Z' });

describe('Redis market data adapter (real Redis)', () => {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const prefix = testKeyPrefix('market');
  const market = createRedisMarketData(redis, prefix);

  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('keeps the latest quote and book per symbol, and nothing for a symbol never written', async () => {
    await market.writeBatch([
      { kind: 'quote', symbol: 'AAPL', json: JSON.stringify(quote('187.40')) },
      { kind: 'quote', symbol: 'AAPL', json: JSON.stringify(quote('187.42')) },
      { kind: 'book', symbol: 'AAPL', json: JSON.stringify({ symbol: 'AAPL', bids: [{ price: '187.42', size: 100 }], asks: [], ts: '2026-11-25T15:00:00.000Z' }) },
    ]);
    expect(await market.lastQuote('AAPL')).toEqual(quote('187.42'));
    expect((await market.lastBook('AAPL'))?.bids).toEqual([{ price: '187.42', size: 100 }]);
    expect(await market.lastQuote('MSFT')).toBeUndefined();
    expect(await market.lastBook('MSFT')).toBeUndefined();
    expect(await market.lastQuotes(['MSFT', 'AAPL', 'MSFT'])).toEqual([undefined, quote('187.42'), undefined]);
    expect(await market.lastQuotes([])).toEqual([]);
  });

  it('stores a halt with its expiry and answers by the caller\'s clock', async () => {
    const untilMs = NOW_MS + 300_000;
    await market.writeBatch([{ kind: 'halt', symbol: 'TSLA', haltedUntilMs: untilMs, ttlMs: 300_000 }]);
    expect(await market.haltedUntilMs('TSLA', NOW_MS)).toBe(untilMs);
    expect(await market.haltedUntilMs('TSLA', untilMs)).toBeUndefined();
    expect(await market.haltedUntilMs('NVDA', NOW_MS)).toBeUndefined();
    const ttlMs = await redis.pttl(marketKeys(prefix).halt('TSLA'));
    expect(ttlMs).toBeGreaterThan(0);
    expect(ttlMs).toBeLessThanOrEqual(300_000);
  });

  it('lets Redis forget a halt when it ends', async () => {
    await market.writeBatch([{ kind: 'halt', symbol: 'AMD', haltedUntilMs: NOW_MS + 20, ttlMs: 20 }]);
    const key = marketKeys(prefix).halt('AMD');
    // Bounded wait for Redis' own expiry; no assertion on how long it took.
    for (let attempt = 0; attempt < 100 && (await redis.exists(key)) === 1; attempt += 1) await new Promise((r) => setTimeout(r, 10));
    expect(await redis.exists(key)).toBe(0);
    expect(await market.haltedUntilMs('AMD', 0)).toBeUndefined();
  });
});
