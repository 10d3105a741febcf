import path from 'node:path';
import fc from 'fast-check';
import type { BusMessage } from '../../infrastructure/bus/port';
import { CHANNEL_OF_KIND, type MarketSubjectKind } from '../../infrastructure/market/subjects';
import { SymbolTable } from '../market/symbol-table';
import { PRICE_TICKS_MAX } from '../market/ticks';
import type { FeedSink } from '../feed/feed-sink';
import { readLines, replayNdjson } from '../feed/ndjson';
import { createPrng } from '../feed/prng';
import { createFeedSimulator } from '../feed/simulator';
import { clientMessageOf, encodeBusPayload } from '../node/protocol';
import { quoteJson } from './edge-json';
import { MarketIngest } from './market-ingest';
import { asciiBytes, QUOTE_JSON_BYTES_MAX, QuoteWriter } from './quote-writer';
import { createRecordingBus } from '../../test/support/recording-bus';

const FIXTURE = path.join(__dirname, '..', 'feed', 'fixtures', 'small-session.ndjson');
const decoder = new TextDecoder();
const encoder = new TextEncoder();
const kindOf = (subject: string): MarketSubjectKind => subject.split('.')[1] as MarketSubjectKind;

/**
 * What a client received for a quote before ingest wrote bytes: the hand-built quote string, which the node parsed,
 * gave its channel and serialized again.
 */
const formerClientQuote = (ingest: MarketIngest, s: number, tsMs: number): string => {
  const n = ingest.nbbo;
  const json = quoteJson(ingest.symbols.name(s), n.bestBid(s), n.bestAsk(s), n.bestBidSize(s), n.bestAskSize(s), ingest.lastTicksOf(s), ingest.dayVolumeOf(s), tsMs);
  return encodeBusPayload('quotes', encoder.encode(json))!;
};

/**
 * Runs a feed through ingest, publishing after every event so each quote message can be set beside the one the
 * former serializer made from the same state. Returns every bus message and the former quotes, in order.
 */
const runFeed = async (symbols: SymbolTable, feed: (sink: FeedSink) => Promise<void> | void) => {
  const bus = createRecordingBus();
  const ingest = new MarketIngest(symbols, bus, { bookMinIntervalMs: 0 });
  const formerQuotes: string[] = [];
  // The quotes ingest hands to the snapshot store, beside the former quoteJson of the same state (drained after every event).
  const storedQuotes: string[] = [];
  const formerStoredQuotes: string[] = [];
  const drainQuotes = (tsMs: number): void => {
    for (const entry of ingest.drainSnapshots()) {
      if (entry.kind !== 'quote') continue;
      const s = symbols.id(entry.symbol)!;
      const n = ingest.nbbo;
      storedQuotes.push(entry.json);
      formerStoredQuotes.push(quoteJson(entry.symbol, n.bestBid(s), n.bestAsk(s), n.bestBidSize(s), n.bestAskSize(s), ingest.lastTicksOf(s), ingest.dayVolumeOf(s), tsMs));
    }
  };
  const published = (): number => {
    ingest.publishPending();
    return bus.messages.length;
  };
  const sink: FeedSink = {
    onQuote: (s, v, level, bid, ask, bidSize, askSize, tsMs) => {
      const before = published();
      ingest.onQuote(s, v, level, bid, ask, bidSize, askSize, tsMs);
      if (published() > before) formerQuotes.push(formerClientQuote(ingest, s, tsMs));
      drainQuotes(tsMs);
    },
    onTrade: (s, venue, priceTicks, size, tsMs) => {
      ingest.onTrade(s, venue, priceTicks, size, tsMs);
      drainQuotes(tsMs);
    },
    onHalt: (...args) => ingest.onHalt(...args),
  };
  await feed(sink);
  ingest.publishDueBooks();
  ingest.drainCandles();
  expect(storedQuotes.length).toBeGreaterThan(0);
  expect(storedQuotes).toEqual(formerStoredQuotes);
  return { messages: bus.messages, formerQuotes };
};

/** Every message must reach clients as its own bytes, and those bytes must be what the former node made of them. */
const expectForwardedAsFormerly = (messages: readonly BusMessage[], formerQuotes: readonly string[]): void => {
  const forwardedQuotes: string[] = [];
  for (const message of messages) {
    const channel = CHANNEL_OF_KIND[kindOf(message.subject)];
    const bytes = decoder.decode(message.data);
    expect(clientMessageOf(channel, message.data)).toBe(bytes);
    expect(bytes).toBe(encodeBusPayload(channel, message.data));
    if (channel === 'quotes') forwardedQuotes.push(bytes);
  }
  expect(forwardedQuotes).toEqual(formerQuotes);
};

describe('one JSON per quote: the bytes ingest writes are the bytes clients get, as before', () => {
  it('holds over the recorded feed', async () => {
    const { messages, formerQuotes } = await runFeed(new SymbolTable(['AAPL', 'MSFT']), async (sink) => {
      await replayNdjson(readLines(FIXTURE), new SymbolTable(['AAPL', 'MSFT']), sink);
    });
    expect(formerQuotes.length).toBeGreaterThan(0);
    expect(new Set(messages.map((m) => kindOf(m.subject)))).toEqual(new Set(['quote', 'trade', 'halt', 'book', 'candle']));
    expectForwardedAsFormerly(messages, formerQuotes);
  });

  it('holds over a simulated session with depth, trades and halts', async () => {
    const universe = [{ symbol: 'AAPL', priceTicks: 1_874_200 }, { symbol: 'BRK.B', priceTicks: 4_500_000 }, { symbol: 'F', priceTicks: 12_300 }, { symbol: 'PENNY', priceTicks: 137 }];
    const simulator = createFeedSimulator({
      symbols: universe, seed: 7, eventsPerSecond: 2_000, startMs: Date.UTC(2026, 10, 25, 14, 30), prng: createPrng(7), haltProbability: 0.001,
    });
    const { messages, formerQuotes } = await runFeed(new SymbolTable(universe.map((u) => u.symbol)), (sink) => simulator.emit(sink, 20_000));
    expect(formerQuotes.length).toBeGreaterThan(1_000);
    expectForwardedAsFormerly(messages, formerQuotes);
  });

  it('writes any quote exactly as JSON.stringify writes a fresh object of it', () => {
    const symbols = new SymbolTable(['AAPL', 'BRK.B', 'ABCDEFGHIJ']);
    const writer = new QuoteWriter(symbols);
    const out = new Uint8Array(QUOTE_JSON_BYTES_MAX);
    const closing = asciiBytes(',"channel":"quotes"}');
    // Beyond PRICE_TICKS_MAX a price is a feed error that no cached slot holds; sizes cross the digit table's four-digit groups.
    const ticks = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 99 }), fc.integer({ min: 1, max: PRICE_TICKS_MAX - 1 }), fc.integer({ min: PRICE_TICKS_MAX, max: PRICE_TICKS_MAX * 1_000 }));
    const shares = fc.oneof(fc.integer({ min: 0, max: 1_000 }), fc.integer({ min: 9_990, max: 100_000_010 }), fc.maxSafeInteger().filter((n) => n >= 0));
    const decimal = (t: number): string | null => {
      if (t === 0) return null;
      const dollars = Math.floor(t / 10_000);
      const fraction = String(t % 10_000).padStart(4, '0').replace(/0{1,2}$/, '');
      return `${dollars}.${fraction}`;
    };
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 2 }), ticks, ticks, shares, shares, ticks, shares, fc.integer({ min: -62_135_596_800_000, max: 253_402_300_799_999 }),
      (s, bid, ask, bidSize, askSize, last, volume, tsMs) => {
        const end = writer.write(out, 0, s, Float64Array.of(bid, bidSize, ask, askSize), 0, Float64Array.of(last, volume, tsMs), 0, closing);
        const expected = JSON.stringify({
          symbol: symbols.name(s), bid: decimal(bid), ask: decimal(ask), bid_size: bidSize, ask_size: askSize, last: decimal(last), volume, ts: new Date(tsMs).toISOString(), channel: 'quotes',
        });
        expect(decoder.decode(out.subarray(0, end))).toBe(expected);
      },
    ), { numRuns: 5_000 });
  });
});
