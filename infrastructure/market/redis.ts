import type { Redis } from 'ioredis';
import { batchedMget } from '../redis/batched-mget';
import type { MarketDataReader, MarketSnapshotWriter, SnapshotEntry } from './port';
import type { Book, Quote } from './quote';

/** Keys: `<prefix>md:quote:<SYM>`, `<prefix>md:book:<SYM>` (JSON), `<prefix>md:halt:<SYM>` (halt end in ms, expiring with the halt). */
export const marketKeys = (prefix: string) => ({
  quote: (symbol: string) => `${prefix}md:quote:${symbol}`,
  book: (symbol: string) => `${prefix}md:book:${symbol}`,
  halt: (symbol: string) => `${prefix}md:halt:${symbol}`,
});

/** Distributed mode: ingest writes with one pipeline per batch; API and portfolio read single keys. */
export const createRedisMarketData = (redis: Redis, keyPrefix: string): MarketDataReader & MarketSnapshotWriter => {
  const keys = marketKeys(keyPrefix);
  // Portfolio reads answered by one statement price their positions in the same turn: one MGET for all of them.
  const mget = batchedMget(redis);
  const queue = (pipeline: ReturnType<Redis['pipeline']>, entry: SnapshotEntry): void => {
    switch (entry.kind) {
      case 'quote':
        pipeline.set(keys.quote(entry.symbol), entry.json);
        return;
      case 'book':
        pipeline.set(keys.book(entry.symbol), entry.json);
        return;
      case 'halt':
        // The key expires with the halt, so a reader never needs a clock to forget an old halt.
        pipeline.set(keys.halt(entry.symbol), String(entry.haltedUntilMs), 'PX', Math.max(1, entry.ttlMs));
        return;
    }
  };
  return {
    writeBatch: async (entries) => {
      if (entries.length === 0) return;
      const pipeline = redis.pipeline();
      for (const entry of entries) queue(pipeline, entry);
      const results = await pipeline.exec();
      const failed = results?.find(([error]) => error !== null);
      if (failed) throw failed[0];
    },
    lastQuote: async (symbol) => {
      const json = await redis.get(keys.quote(symbol));
      return json === null ? undefined : (JSON.parse(json) as Quote);
    },
    lastQuotes: async (symbols) => {
      if (symbols.length === 0) return [];
      const values = await mget(symbols.map((symbol) => keys.quote(symbol)));
      return values.map((json) => (json === null ? undefined : (JSON.parse(json) as Quote)));
    },
    lastBook: async (symbol) => {
      const json = await redis.get(keys.book(symbol));
      return json === null ? undefined : (JSON.parse(json) as Book);
    },
    haltedUntilMs: async (symbol, nowMs) => {
      const value = await redis.get(keys.halt(symbol));
      if (value === null) return undefined;
      const until = Number(value);
      return until > nowMs ? until : undefined;
    },
  };
};
