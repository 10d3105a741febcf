import { createInMemoryMarketData } from './in-memory';

const NOW_MS = Date.UTC(2026, 10, 25, 15);

describe('in-memory market data (embedded mode), same answers as the Redis adapter', () => {
  it('keeps the latest quote and book, and halts until their end', async () => {
    const market = createInMemoryMarketData();
    await market.writeBatch([
      { kind: 'quote', symbol: 'AAPL', json: '{"symbol":"AAPL","bid":"1.00","ask":"1.01","bid_size":1,"ask_size":1,"last":null,"volume":0,"ts":"2026-11-25T15:00:00.000Z"}' },
      { kind: 'quote', symbol: 'AAPL', json: '{"symbol":"AAPL","bid":"1.01","ask":"1.02","bid_size":1,"ask_size":1,"last":null,"volume":0,"ts":"2026-11-25T15:00:00.001Z"}' },
      { kind: 'halt', symbol: 'AAPL', haltedUntilMs: NOW_MS + 1_000, ttlMs: 1_000 },
    ]);
    expect((await market.lastQuote('AAPL'))?.bid).toBe('1.01');
    expect(await market.lastQuote('MSFT')).toBeUndefined();
    expect((await market.lastQuotes(['MSFT', 'AAPL'])).map((q) => q?.bid)).toEqual([undefined, '1.01']);
    expect(await market.lastBook('AAPL')).toBeUndefined();
    expect(await market.haltedUntilMs('AAPL', NOW_MS)).toBe(NOW_MS + 1_000);
    expect(await market.haltedUntilMs('AAPL', NOW_MS + 1_000)).toBeUndefined();
  });
});
