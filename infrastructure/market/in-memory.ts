import type { MarketDataReader, MarketSnapshotWriter, SnapshotEntry } from './port';
import type { Book, Quote } from './quote';

/** Embedded mode and unit tests: the same contract as the Redis adapter, in one process. */
export const createInMemoryMarketData = (): MarketDataReader & MarketSnapshotWriter => {
  const quotes = new Map<string, string>();
  const books = new Map<string, string>();
  const halts = new Map<string, number>();
  const apply = (entry: SnapshotEntry): void => {
    switch (entry.kind) {
      case 'quote':
        quotes.set(entry.symbol, entry.json);
        return;
      case 'book':
        books.set(entry.symbol, entry.json);
        return;
      case 'halt':
        halts.set(entry.symbol, entry.haltedUntilMs);
        return;
    }
  };
  return {
    writeBatch: async (entries) => entries.forEach(apply),
    lastQuote: async (symbol) => {
      const json = quotes.get(symbol);
      return json === undefined ? undefined : (JSON.parse(json) as Quote);
    },
    lastQuotes: async (symbols) => symbols.map((symbol) => {
      const json = quotes.get(symbol);
      return json === undefined ? undefined : (JSON.parse(json) as Quote);
    }),
    lastBook: async (symbol) => {
      const json = books.get(symbol);
      return json === undefined ? undefined : (JSON.parse(json) as Book);
    },
    haltedUntilMs: async (symbol, nowMs) => {
      const until = halts.get(symbol);
      return until !== undefined && until > nowMs ? until : undefined;
    },
  };
};
